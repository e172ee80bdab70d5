"""Lie algebras as arrays of generators, and projections onto them.

A Lie algebra is represented by a basis tensor of shape ``(k, d, d)`` whose
elements are orthonormal in the Frobenius inner product. Named algebras
(:func:`algebra_basis`): ``"so"``, ``"so(p,q)"``, ``"sl"``, ``"scale"`` and
sums of them such as ``"so+scale"``. Only torch is used.
"""

from __future__ import annotations

import re

import torch

__all__ = ["so_basis", "so_pq_basis", "sl_basis", "scale_basis", "project_onto_algebra", "algebra_basis", "expm"]

#: The names :func:`algebra_basis` reads, e.g. ``"so"``, ``"so(1,3)"``, ``"sl"``, ``"so+scale"``.
ALGEBRA_NAMES = ("so", "so(p,q)", "sl", "scale")
_SO_PQ = re.compile(r"so\((\d+),\s*(\d+)\)")


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


def so_pq_basis(p: int, q: int, dtype=None, device=None) -> torch.Tensor:
    r"""Orthonormal basis of so(p, q) = {A : A^T eta + eta A = 0}, eta = diag(1 x p, -1 x q).

    ``A = eta S`` with ``S`` skew: the rotations within the first ``p`` and
    within the last ``q`` coordinates, and the symmetric boosts mixing the
    two. so(1, 3) is the Lorentz algebra (time first), of dimension 6.

    Examples
    --------
    >>> so_pq_basis(1, 3).shape
    torch.Size([6, 4, 4])
    >>> eta = torch.diag(torch.tensor([1.0, -1.0, -1.0, -1.0]))
    >>> a = so_pq_basis(1, 3)
    >>> bool((a.transpose(1, 2) @ eta + eta @ a).abs().max() < 1e-7)
    True
    """
    if p < 0 or q < 0 or p + q < 2:
        raise ValueError(f"so(p,q) needs p, q >= 0 and p + q >= 2, got p={p}, q={q}")
    eta = torch.cat([torch.ones(p, dtype=dtype, device=device), -torch.ones(q, dtype=dtype, device=device)])
    # eta is orthogonal, so eta S is orthonormal when S is.
    return eta[:, None] * so_basis(p + q, dtype=dtype, device=device)


def sl_basis(n: int, dtype=None, device=None) -> torch.Tensor:
    """Orthonormal basis of sl(n), the traceless ``n x n`` matrices (dimension ``n**2 - 1``).

    Examples
    --------
    >>> b = sl_basis(2)
    >>> b.shape, [round(float(t), 6) for t in b.diagonal(dim1=1, dim2=2).sum(1)]
    (torch.Size([3, 2, 2]), [0.0, 0.0, 0.0])
    """
    if n < 2:
        raise ValueError(f"sl(n) needs n >= 2, got n={n}")
    off = [(i, j) for i in range(n) for j in range(n) if i != j]
    basis = torch.zeros(len(off) + n - 1, n, n, dtype=torch.float64)
    for k, (i, j) in enumerate(off):
        basis[k, i, j] = 1.0
    for m in range(1, n):  # diag(1, ..., 1, -m, 0, ...) / norm: orthogonal to each other and to I
        basis[len(off) + m - 1, range(m), range(m)] = 1.0
        basis[len(off) + m - 1, m, m] = -float(m)
        basis[len(off) + m - 1] /= (m + m * m) ** 0.5
    return basis.to(dtype=dtype or torch.get_default_dtype(), device=device)


def scale_basis(n: int, dtype=None, device=None) -> torch.Tensor:
    """The scalings, multiples of the identity: ``I / sqrt(n)`` of shape ``(1, n, n)``.

    Examples
    --------
    >>> scale_basis(4)[0, 0, 0].item()
    0.5
    """
    if n < 1:
        raise ValueError(f"scale needs n >= 1, got n={n}")
    return torch.eye(n, dtype=dtype, device=device)[None] / n**0.5


def _named_part(name: str, d: int, dtype, device) -> torch.Tensor:
    name = name.strip()
    if name == "so":
        return so_basis(d, dtype=dtype, device=device)
    if name == "sl":
        return sl_basis(d, dtype=dtype, device=device)
    if name == "scale":
        return scale_basis(d, dtype=dtype, device=device)
    match = _SO_PQ.fullmatch(name.replace(" ", ""))
    if match:
        p, q = int(match.group(1)), int(match.group(2))
        if p + q != d:
            raise ValueError(f"algebra {name!r} acts on {p + q}-vectors, but the generators are {d} x {d}")
        return so_pq_basis(p, q, dtype=dtype, device=device)
    raise ValueError(
        f"unknown algebra {name!r}; use one of {ALGEBRA_NAMES} (e.g. 'so(1,3)'), a sum such as "
        "'so+scale', or a basis tensor of shape (k, d, d)"
    )


def algebra_basis(algebra, d: int, dtype=None, device=None) -> torch.Tensor:
    """Resolve an algebra given by name, by a basis tensor, or as a sum of these.

    Parameters
    ----------
    algebra : str, Tensor, or list/tuple of them
        A name: ``"so"`` (so(d), skew-symmetric), ``"so(p,q)"`` with ``p + q = d``
        (e.g. ``"so(1,3)"``, the Lorentz algebra), ``"sl"`` (traceless),
        ``"scale"`` (multiples of the identity), or a sum of names joined by
        ``+`` (``"so+scale"``); a spanning set of shape ``(k, d, d)`` (need not
        be orthonormal or independent: it is orthonormalised here, its rank
        read off its singular values); or a list of any of these, whose sum
        (the span of all their elements) is meant.
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
    >>> [len(algebra_basis(name, 4)) for name in ("so", "so(1,3)", "sl", "scale", "so+scale")]
    [6, 6, 15, 1, 7]
    """
    if isinstance(algebra, str) and "+" not in algebra:
        return _named_part(algebra, d, dtype, device)
    if isinstance(algebra, str) or isinstance(algebra, (list, tuple)):
        parts = algebra.split("+") if isinstance(algebra, str) else list(algebra)
        if not parts:
            raise ValueError("an algebra given as a list needs at least one part")
        resolved = [algebra_basis(part, d, dtype=dtype, device=device) for part in parts]
        algebra = torch.cat([r.to(resolved[0].dtype) for r in resolved])
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
    algebra : str, Tensor or list
        ``"so"`` (then ``P(h) = (h - h^T) / 2``) or any algebra
        :func:`algebra_basis` reads (names, sums, basis tensors).

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
