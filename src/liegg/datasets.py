"""Datasets with a known symmetry, generated from a seed."""

from __future__ import annotations

import torch

__all__ = ["o5_target", "make_o5", "vector_scales"]


def o5_target(x: torch.Tensor) -> torch.Tensor:
    r"""The O(5)-invariant regression target of the EMLP paper.

    :math:`y = \sin\|x_1\| - \|x_2\|^3/2 + x_1\cdot x_2 / (\|x_1\|\|x_2\|)`
    with ``x = (x1, x2)``, each in R^5.

    Parameters
    ----------
    x : Tensor of shape ``(N, 10)``

    Returns
    -------
    Tensor of shape ``(N, 1)``.

    Examples
    --------
    >>> x = torch.randn(4, 10, dtype=torch.float64)
    >>> q, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))
    >>> rotated = (x.reshape(4, 2, 5) @ q.T).reshape(4, 10)
    >>> bool(torch.allclose(o5_target(x), o5_target(rotated)))
    True
    """
    x1, x2 = x[:, :5], x[:, 5:]
    n1, n2 = x1.norm(dim=1), x2.norm(dim=1)
    y = torch.sin(n1) - 0.5 * n2**3 + (x1 * x2).sum(dim=1) / (n1 * n2)
    return y[:, None]


def make_o5(n_samples: int, n_val: int, n_test: int, seed: int) -> dict[str, torch.Tensor]:
    """Sample the O(5) regression set and split it.

    ``x ~ N(0, I_10)`` in float64; the first ``n_samples - n_val - n_test``
    samples are the training split, then validation, then test.

    Returns
    -------
    dict with ``x_train (n_train, 10)``, ``y_train (n_train, 1)`` and the same
    for ``val`` and ``test``, all float64.

    Examples
    --------
    >>> data = make_o5(100, 10, 10, seed=0)
    >>> data["x_train"].shape, data["y_test"].shape
    (torch.Size([80, 10]), torch.Size([10, 1]))
    """
    n_train = n_samples - n_val - n_test
    if n_train < 1 or n_val < 1 or n_test < 1:
        raise ValueError(f"bad split: {n_samples} samples, {n_val} val, {n_test} test")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, 10, generator=gen, dtype=torch.float64)
    y = o5_target(x)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n_samples)}
    data = {}
    for split, (lo, hi) in bounds.items():
        data[f"x_{split}"], data[f"y_{split}"] = x[lo:hi], y[lo:hi]
    return data


def vector_scales(x: torch.Tensor, dim: int) -> torch.Tensor:
    """One RMS scale per vector block, repeated over its components.

    Dividing by it keeps any symmetry that acts on every block the same way.

    Parameters
    ----------
    x : Tensor of shape ``(N, m * dim)``

    Returns
    -------
    Tensor of shape ``(m * dim,)``.

    Examples
    --------
    >>> vector_scales(torch.tensor([[3.0, 4.0, 0.0, 1.0]]), dim=2).tolist()
    [3.535533905029297, 3.535533905029297, 0.7071067690849304, 0.7071067690849304]
    """
    blocks = x.reshape(x.shape[0], -1, dim)
    rms = blocks.pow(2).mean(dim=(0, 2)).sqrt()
    return rms.repeat_interleave(dim)
