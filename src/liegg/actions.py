"""Infinitesimal actions of gl(d) on network inputs.

An action turns a batch of inputs ``x`` into the ``d*d`` tangent vectors
``t_ab(x) = A_ab . x``, one per basis generator ``A_ab = e_a e_b^T`` (row-major
order: index ``a * d + b``). A row of the polarization matrix is then the
directional derivative ``J_Phi(x) t_ab(x)``.
"""

from __future__ import annotations

import torch

__all__ = ["VectorAction"]


class VectorAction:
    """GL(dim) acting at once on every consecutive block of ``dim`` input features.

    For inputs ``x = (v_1, ..., v_m)`` with ``v_j`` in R^dim, the tangent of basis
    generator ``A_ab`` is zero except in component ``a`` of every vector, where it
    equals ``v_{j,b}``.

    Parameters
    ----------
    dim : int
        Dimension ``d`` of each vector; the input's trailing size must be a
        multiple of it.

    Examples
    --------
    >>> action = VectorAction(2)
    >>> x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])   # two vectors of R^2
    >>> action.tangents(x).shape                   # (d*d, N, features)
    torch.Size([4, 1, 4])
    >>> action.tangents(x)[1].tolist()             # A_01 moves component 0 by v_1
    [[2.0, 0.0, 4.0, 0.0]]
    """

    def __init__(self, dim: int):
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self.dim = dim

    def __repr__(self) -> str:
        return f"VectorAction(dim={self.dim})"

    def tangents(self, x: torch.Tensor) -> torch.Tensor:
        """Tangent vectors of all ``d*d`` basis generators.

        Parameters
        ----------
        x : Tensor of shape ``(N, ..., F)`` with ``F`` a multiple of ``dim``.

        Returns
        -------
        Tensor of shape ``(d*d, *x.shape)``.
        """
        d = self.dim
        if x.shape[-1] % d:
            raise ValueError(f"input has {x.shape[-1]} features, not a multiple of dim={d}")
        v = x.reshape(*x.shape[:-1], x.shape[-1] // d, d)
        eye = torch.eye(d, dtype=x.dtype, device=x.device)
        t = torch.einsum("ac,...b->ab...c", eye, v)
        return t.reshape(d * d, *x.shape)
