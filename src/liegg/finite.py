"""LieGG checked a second way: the outputs' change under finite group elements.

LieGG reads invariance off derivatives at the identity. A network can be flat
there and not over the range of transformations the data hold (or the reverse),
so the same question is asked of finite elements ``exp(tG)``: how much do the
outputs move, and does the prediction stay right? Divided by ``t**2`` the
mean squared change tends to the symmetry variance along ``G`` as ``t -> 0``,
so the two measures share units and can be ranked side by side.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from ._checks import check_tensor
from ._modes import eval_mode
from .groups import expm
from .polarization import _output_function

__all__ = ["FiniteCheck", "finite_check", "finite_variance", "finite_accuracy"]


def _check_finite_args(x, action, generators, t):
    check_tensor(x, "x", min_ndim=2)
    for member in ("act", "tangent_scale"):
        if not callable(getattr(action, member, None)):
            raise TypeError(f"{action!r} has no `{member}`: finite transformations need act(x, g) and "
                            "tangent_scale(x) (see liegg.Action)")
    check_tensor(generators, "generators", ndim=3)
    if generators.shape[1:] != (action.dim, action.dim):
        raise ValueError(f"generators must have shape (n, {action.dim}, {action.dim}) for {action!r}, "
                         f"got {tuple(generators.shape)}")
    ts = torch.as_tensor(t, dtype=torch.float64)
    if ts.ndim > 1 or ts.numel() == 0 or not torch.isfinite(ts).all() or (ts == 0).any():
        raise ValueError(f"t must be a nonzero finite number or a 1-D tensor of them, got {t!r}")
    return ts.reshape(-1), ts.ndim == 0


def _elements(generators: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """``exp(t G)`` in float64 for every generator and magnitude: ``(n, T, d, d)``."""
    return torch.stack([expm(g.to(torch.float64), ts) for g in generators])


class FiniteCheck(NamedTuple):
    """What :func:`finite_check` measured: ``variance`` ``(n, T)`` (see
    :func:`finite_variance`) and ``accuracy`` ``(n, T)`` or None without labels."""

    variance: torch.Tensor
    accuracy: torch.Tensor | None


@torch.no_grad()
def finite_check(model, x, action, generators, t, labels=None, outputs="each", normalize=False,
                 chunk_size=1024) -> FiniteCheck:  # fmt: skip
    """:func:`finite_variance` and, given ``labels``, :func:`finite_accuracy` from one
    forward pass per element and chunk (the variance of the outputs LieGG differentiates,
    the accuracy of the model's own argmax). Shapes ``(n, T)``, or ``(n,)`` for a scalar ``t``.

    Examples
    --------
    >>> import torch, liegg
    >>> model = lambda x: torch.stack([x.norm(dim=1), 1 - x.norm(dim=1)], dim=1)
    >>> check = finite_check(model, torch.tensor([[2.0, 0.0]]), liegg.VectorAction(2), liegg.so_basis(2),
    ...                      1.0, labels=torch.tensor([0]))
    >>> check.accuracy.tolist(), bool(check.variance.abs().max() < 1e-10)
    ([1.0], True)
    """
    ts, scalar = _check_finite_args(x, action, generators, t)
    if labels is not None and (not torch.is_tensor(labels) or labels.is_floating_point()
                               or labels.shape != (len(x),)):  # fmt: skip
        raise ValueError(f"labels must be an integer tensor of shape ({len(x)},), got "
                         f"{tuple(labels.shape) if torch.is_tensor(labels) else type(labels).__name__}")
    elements = _elements(generators, ts)
    scale = float(action.tangent_scale(x))
    total = torch.zeros(elements.shape[:2], dtype=torch.float64)
    correct = torch.zeros(elements.shape[:2], dtype=torch.float64)
    rows = 0
    label_chunks = labels.split(chunk_size) if labels is not None else [None] * len(x.split(chunk_size))
    with eval_mode(model):
        for chunk, chunk_labels in zip(x.split(chunk_size), label_chunks, strict=True):
            shape = (-1, *chunk.shape[1:])
            f = _output_function(model, shape, outputs, normalize)
            y0 = f(chunk).to(torch.float64)
            rows += y0.numel()
            for i, row in enumerate(elements):
                for j, g in enumerate(row):
                    logits = model(action.act(chunk, g.to(chunk.dtype)).reshape(shape))
                    moved = _as_outputs(logits, outputs, normalize).to(torch.float64)
                    total[i, j] += (moved - y0).pow(2).sum().cpu()
                    if chunk_labels is not None:
                        correct[i, j] += (
                            logits.reshape(len(chunk), -1).argmax(dim=1).cpu() == chunk_labels.cpu()
                        ).sum()
    variance = total / rows * scale**2 / ts.pow(2)
    accuracy = correct / len(x) if labels is not None else None
    if scalar:
        variance, accuracy = variance[:, 0], (accuracy[:, 0] if accuracy is not None else None)
    return FiniteCheck(variance, accuracy)


def _as_outputs(y, outputs, normalize):
    """The outputs LieGG differentiates, from the model's raw outputs (as _output_function)."""
    y = y.reshape(y.shape[0], -1)
    if normalize:
        y = y / y.norm(dim=1, keepdim=True)
    return y.sum(dim=1, keepdim=True) if outputs == "sum" else y


def finite_variance(
    model,
    x: torch.Tensor,
    action,
    generators: torch.Tensor,
    t,
    outputs: str = "each",
    normalize: bool = False,
    chunk_size: int = 1024,
) -> torch.Tensor:
    r"""Mean squared change of the outputs under ``exp(tG)``, per unit ``t**2``.

    .. math:: v(G, t) = \frac{c^2}{t^2}\, \frac{1}{N K} \sum_i \| f(\exp(tG) \cdot x_i) - f(x_i) \|^2

    with ``f`` the outputs LieGG differentiates (``outputs``, ``normalize``
    as in :func:`liegg.analyze`; ``K`` of them per sample) and ``c`` the
    action's ``tangent_scale``. For a unit generator ``v -> lambda(G)``, the
    symmetry variance along ``G`` (its Rayleigh quotient in the spectrum), as
    ``t -> 0``; it is 0 at every ``t`` for a function invariant to the whole
    one-parameter group.

    Parameters
    ----------
    model : callable
        ``(N, ...) -> (N, K)``; evaluated in eval mode, modes restored.
    x : Tensor of shape ``(N, ...)``, floating point
    action : :class:`liegg.Action` with ``act`` and ``tangent_scale``
        :class:`liegg.VectorAction` (``v -> exp(tG) v``), :class:`liegg.ImageAction`
        or :class:`liegg.AffineImageAction` (bilinear resampling about the centre).
    generators : Tensor of shape ``(n, d, d)``
        In the action's coordinates (as :func:`liegg.analyze` returns them).
    t : float or Tensor of shape ``(T,)``
        Magnitudes, nonzero: a unit generator of so(2), ``J / sqrt(2)``, turns
        by ``t / sqrt(2)`` radians.
    outputs : {"each", "sum"}
    normalize : bool
    chunk_size : int

    Returns
    -------
    Tensor of shape ``(n, T)``, float64, or ``(n,)`` for a scalar ``t``.

    Examples
    --------
    >>> import torch, liegg
    >>> f = lambda x: x.norm(dim=1, keepdim=True)             # invariant to rotations of R^2
    >>> x = torch.randn(100, 2, dtype=torch.float64)
    >>> gens = torch.stack([liegg.so_basis(2, dtype=torch.float64)[0], torch.eye(2, dtype=torch.float64) / 2 ** 0.5])
    >>> v = finite_variance(f, x, liegg.VectorAction(2), gens, torch.tensor([0.1, 1.0]))
    >>> v.shape, bool(v[0].abs().max() < 1e-28), bool(v[1].min() > 0.1)
    (torch.Size([2, 2]), True, True)
    """
    return finite_check(
        model, x, action, generators, t, outputs=outputs, normalize=normalize, chunk_size=chunk_size
    ).variance


def finite_accuracy(
    model, x: torch.Tensor, labels: torch.Tensor, action, generators: torch.Tensor, t, chunk_size: int = 1024
) -> torch.Tensor:
    """Accuracy of a classifier on inputs moved by ``exp(tG)``.

    Parameters
    ----------
    model : callable
        ``(N, ...) -> (N, classes)`` logits; the prediction is their argmax.
    x : Tensor of shape ``(N, ...)``
    labels : Tensor of shape ``(N,)``, integer
    action, generators, t, chunk_size
        As for :func:`finite_variance`.

    Returns
    -------
    Tensor of shape ``(n, T)``, or ``(n,)`` for a scalar ``t``: the share of
    samples whose moved input is still classified as its label.

    Examples
    --------
    >>> import torch, liegg
    >>> model = lambda x: torch.stack([x.norm(dim=1), 1 - x.norm(dim=1)], dim=1)  # class 0 outside the unit circle
    >>> x = torch.tensor([[2.0, 0.0], [0.1, 0.0]])
    >>> j = liegg.so_basis(2)                                  # a rotation keeps every label
    >>> finite_accuracy(model, x, torch.tensor([0, 1]), liegg.VectorAction(2), j, 1.0).tolist()
    [1.0]
    """
    if labels is None:
        raise ValueError("labels must be an integer tensor of shape (N,), got None")
    return finite_check(model, x, action, generators, t, labels=labels, chunk_size=chunk_size).accuracy
