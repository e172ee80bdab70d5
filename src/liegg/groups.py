"""Lie algebras as arrays of generators, and projections onto them.

A Lie algebra is represented by a basis tensor of shape ``(k, d, d)`` whose
elements are orthonormal in the Frobenius inner product. Only torch is used.
"""

from __future__ import annotations

import torch

__all__ = ["so_basis", "project_onto_algebra", "algebra_basis", "expm"]


def so_basis(n: int, dtype: torch.dtype | None = None, device=None) -> torch.Tensor:
    r"""Orthonormal basis of so(n), the skew-symmetric ``n x n`` matrices.

    Element ``(i, j)`` (``i < j``) is :math:`(e_j e_i^T - e_i e_j^T)/\sqrt{2}`, so
    for n = 2 the single element is ``[[0, -1], [1, 0]] / sqrt(2)``.

    Parameters
    ----------
    n : int
        Matrix size, ``n >= 2``.
    dtype, device : optional
        Torch defaults when None.

    Returns
    -------
    Tensor of shape ``(n (n - 1) / 2, n, n)``.

    Examples
    --------
    >>> so_basis(3).shape
    torch.Size([3, 3, 3])
    >>> (so_basis(2)[0] * 2 ** 0.5).round().tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    if n < 2:
        raise ValueError(f"so(n) needs n >= 2, got n={n}")
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    basis = torch.zeros(len(pairs), n, n, dtype=dtype, device=device)
    for k, (i, j) in enumerate(pairs):
        basis[k, j, i] = 2**-0.5
        basis[k, i, j] = -(2**-0.5)
    return basis


def algebra_basis(algebra, d: int, dtype=None, device=None) -> torch.Tensor:
    """Resolve an algebra given by name (``"so"``) or by a basis tensor.

    Parameters
    ----------
    algebra : str or Tensor
        ``"so"`` for so(d), or a spanning set of shape ``(k, d, d)`` (need not be
        orthonormal or independent: it is orthonormalised here, its rank read
        off its singular values).
    d : int
        Matrix size of the generators.

    Returns
    -------
    Tensor of shape ``(r, d, d)``, orthonormal in the Frobenius inner product.

    Examples
    --------
    >>> a0, a1 = torch.eye(2)[None], torch.tensor([[[0.0, -1.0], [1.0, 0.0]]])
    >>> algebra_basis(torch.cat([a0, a0, a1]), 2).shape   # a repeated element adds nothing
    torch.Size([2, 2, 2])
    """
    if isinstance(algebra, str):
        if algebra != "so":
            raise ValueError(f"unknown algebra {algebra!r}; use 'so' or a basis tensor")
        return so_basis(d, dtype=dtype, device=device)
    basis = torch.as_tensor(algebra, dtype=dtype, device=device)
    if basis.ndim != 3 or basis.shape[1:] != (d, d):
        raise ValueError(f"algebra basis must have shape (k, {d}, {d}), got {tuple(basis.shape)}")
    if not basis.is_floating_point():
        basis = basis.to(torch.get_default_dtype())
    # The rank is read off the singular values, which do not depend on the
    # order of the spanning set (an unpivoted QR's diagonal does); the
    # tolerance is numpy.linalg.matrix_rank's.
    flat = basis.reshape(len(basis), -1)
    _, s, vh = torch.linalg.svd(flat, full_matrices=False)
    tol = s.max() * max(flat.shape) * torch.finfo(flat.dtype).eps if s.numel() else 0.0
    rank = int((s > tol).sum()) if s.numel() and s.max() > 0 else 0
    if rank == 0:
        raise ValueError("the algebra basis spans nothing (all its matrices are zero)")
    return vh[:rank].reshape(rank, d, d)


def project_onto_algebra(h: torch.Tensor, algebra="so") -> torch.Tensor:
    """Orthogonal (Frobenius) projection of matrices onto a Lie algebra.

    Parameters
    ----------
    h : Tensor of shape ``(..., d, d)``
    algebra : str or Tensor
        ``"so"`` (then ``P(h) = (h - h^T) / 2``) or a basis of shape ``(k, d, d)``.

    Returns
    -------
    Tensor of shape ``(..., d, d)``.

    Examples
    --------
    >>> h = torch.tensor([[1.0, 2.0], [0.0, 3.0]])
    >>> project_onto_algebra(h).tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    if isinstance(algebra, str) and algebra == "so":
        return 0.5 * (h - h.transpose(-1, -2))
    d = h.shape[-1]
    basis = algebra_basis(algebra, d, dtype=h.dtype, device=h.device)
    coeffs = torch.einsum("...ij,kij->...k", h, basis)
    return torch.einsum("...k,kij->...ij", coeffs, basis)


def expm(h: torch.Tensor, t=1.0) -> torch.Tensor:
    """Group element ``exp(t h)`` of a generator, for one or several ``t``.

    Parameters
    ----------
    h : Tensor of shape ``(d, d)``
    t : float or Tensor of shape ``(T,)``

    Returns
    -------
    Tensor of shape ``(d, d)`` for a scalar ``t``, else ``(T, d, d)``.

    Examples
    --------
    >>> import math
    >>> j = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> expm(j, math.pi / 2).round().tolist()   # a quarter turn
    [[0.0, -1.0], [1.0, 0.0]]
    >>> expm(j, torch.tensor([0.0, 1.0])).shape
    torch.Size([2, 2, 2])
    """
    t = torch.as_tensor(t, dtype=h.dtype, device=h.device)
    return torch.linalg.matrix_exp(t[..., None, None] * h)
