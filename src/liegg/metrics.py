"""Symmetry metrics of retrieved generators."""

from __future__ import annotations

import torch

from .groups import algebra_basis, project_onto_algebra

__all__ = ["symmetry_bias", "subspace_bias", "principal_angles", "generator_similarity", "closure_defect"]


def symmetry_bias(generators: torch.Tensor, algebra="so") -> torch.Tensor:
    """Distance of each generator from a Lie algebra: ``||h - P(h)||_F``.

    Parameters
    ----------
    generators : Tensor of shape ``(n, d, d)``
    algebra : str or Tensor
        ``"so"`` (skew-symmetric matrices) or a basis of shape ``(k, d, d)``.

    Returns
    -------
    Tensor of shape ``(n,)``.

    Examples
    --------
    >>> h = torch.tensor([[[0.0, -1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
    >>> symmetry_bias(h).tolist()
    [0.0, 1.0]
    """
    _check_generators(generators)
    residual = generators - project_onto_algebra(generators, algebra)
    return torch.linalg.matrix_norm(residual)


def _check_generators(generators):
    if not torch.is_tensor(generators) or generators.ndim != 3 or generators.shape[1] != generators.shape[2]:
        shape = tuple(generators.shape) if torch.is_tensor(generators) else type(generators).__name__
        raise ValueError(f"generators must be a tensor of shape (n, d, d), got {shape}")


def _span(generators: torch.Tensor) -> torch.Tensor:
    """Orthonormal rows ``(n, d*d)`` spanning the same space as the generators, in float64
    (these matrices are small, and small angles need the precision)."""
    _check_generators(generators)
    d = generators.shape[-1]
    return algebra_basis(generators.to(torch.float64), d).reshape(-1, d * d)


def subspace_bias(generators: torch.Tensor, algebra="so") -> float:
    """Distance of the span of ``k`` generators from an algebra: ``||(I - P) V||_F / sqrt(k)``.

    ``V`` is an orthonormal basis of the span, so the number depends on the
    span alone, not on which basis of it the generators are (the ``k`` most
    invariant generators of a near-degenerate block are any rotation of each
    other). It is the root mean square of :func:`symmetry_bias` over any
    orthonormal basis of the span; 0 when the span lies in the algebra.

    Parameters
    ----------
    generators : Tensor of shape ``(k, d, d)``
    algebra : str or Tensor
        As for :func:`symmetry_bias`.

    Examples
    --------
    >>> j = torch.tensor([[0.0, -1.0], [1.0, 0.0]]) / 2 ** 0.5
    >>> block = torch.stack([j, torch.eye(2) / 2 ** 0.5])
    >>> round(subspace_bias(block), 6)          # one of two directions is skew
    0.707107
    >>> mixed = torch.stack([block[0] + block[1], block[0] - block[1]]) / 2 ** 0.5
    >>> round(subspace_bias(mixed), 6)          # the same span in another basis
    0.707107
    """
    v = _span(generators)
    d = generators.shape[-1]
    residual = v.reshape(-1, d, d) - project_onto_algebra(v.reshape(-1, d, d), algebra)
    return float(torch.linalg.vector_norm(residual) / len(v) ** 0.5)


def principal_angles(generators: torch.Tensor, algebra="so") -> torch.Tensor:
    """Principal angles (radians, ascending) between the span of generators and an algebra.

    The cosines are the singular values of ``V B^T`` with ``V`` and ``B``
    orthonormal bases of the two spaces; there are ``min(k, r)`` angles for
    a span of dimension ``k`` and an algebra of dimension ``r``. All zero when
    one space contains the other.

    Parameters
    ----------
    generators : Tensor of shape ``(k, d, d)``
    algebra : str or Tensor
        ``"so"`` or a basis of shape ``(r, d, d)``.

    Returns
    -------
    Tensor of shape ``(min(k, r),)``, float64.

    Examples
    --------
    >>> import math
    >>> j = torch.tensor([[[0.0, -1.0], [1.0, 0.0]]])
    >>> bool(principal_angles(j).abs().max() < 1e-12)
    True
    >>> tilted = (j + torch.eye(2)) / 2 ** 0.5      # 45 degrees from so(2)
    >>> round(math.degrees(principal_angles(tilted)[0]), 4)
    45.0
    """
    v = _span(generators)
    d = generators.shape[-1]
    b = algebra_basis(algebra, d, dtype=v.dtype, device=v.device).reshape(-1, d * d)
    small, large = (v, b) if len(v) <= len(b) else (b, v)
    # Cosines alone lose small angles (arccos near 1); the sines of the part of
    # the smaller space outside the larger one keep them (Knyazev & Argentati).
    cosines = torch.linalg.svdvals(small @ large.T)  # descending
    sines = torch.linalg.svdvals(small - (small @ large.T) @ large).flip(0)  # ascending
    return torch.atan2(sines, cosines)


def generator_similarity(generators: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Absolute cosine (Frobenius) between generators and one reference matrix.

    Parameters
    ----------
    generators : Tensor of shape ``(n, d, d)``
    reference : Tensor of shape ``(d, d)``

    Returns
    -------
    Tensor of shape ``(n,)`` with values in ``[0, 1]``.

    Examples
    --------
    >>> j = torch.tensor([[0.0, -1.0], [1.0, 0.0]])
    >>> generator_similarity(-j[None], j).tolist()
    [1.0]
    """
    ref = reference / torch.linalg.matrix_norm(reference)
    norms = torch.linalg.matrix_norm(generators)
    return (generators * ref).sum(dim=(-2, -1)).abs() / norms


def closure_defect(generators: torch.Tensor) -> float:
    r"""How far the commutators of ``k`` generators fall outside their span.

    With ``V_1 .. V_k`` an orthonormal basis of the span and ``P`` the projection
    onto it,

    .. math:: \sqrt{\tfrac{1}{\binom{k}{2}} \sum_{i<j} \| (I - P) [V_i, V_j] \|_F^2},

    the root mean square over pairs of the part of each commutator outside the
    span. 0 exactly when the span is a Lie subalgebra (closed under the
    bracket), whichever basis of it the generators are; 0 for ``k = 1``. In
    the units of unit-norm generators: the commutator of two of them is at most
    ``sqrt(2)`` in norm.

    Parameters
    ----------
    generators : Tensor of shape ``(k, d, d)``

    Returns
    -------
    float

    Examples
    --------
    >>> import liegg
    >>> closure_defect(liegg.so_basis(3)) < 1e-12             # so(3) is an algebra
    True
    >>> e = torch.zeros(2, 2, 2); e[0, 0, 1] = 1.0; e[1, 1, 0] = 1.0
    >>> round(closure_defect(e), 6)                           # [e01, e10] = diag(1, -1) is outside
    1.414214
    """
    v = _span(generators)
    k, d = len(v), generators.shape[-1]
    if k < 2:
        return 0.0
    m = v.reshape(k, d, d)
    i, j = torch.triu_indices(k, k, offset=1)
    brackets = (m[i] @ m[j] - m[j] @ m[i]).reshape(len(i), d * d)
    outside = brackets - (brackets @ v.T) @ v
    return float(outside.pow(2).sum(dim=1).mean().sqrt())
