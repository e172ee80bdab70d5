"""Symmetry metrics of retrieved generators."""

from __future__ import annotations

import torch

from .groups import project_onto_algebra

__all__ = ["symmetry_bias", "generator_similarity"]


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
    if generators.ndim != 3 or generators.shape[1] != generators.shape[2]:
        raise ValueError(f"generators must have shape (n, d, d), got {tuple(generators.shape)}")
    residual = generators - project_onto_algebra(generators, algebra)
    return torch.linalg.matrix_norm(residual)


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
