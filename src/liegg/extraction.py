"""LieGG on a trained run: its spectrum and symmetry biases."""

from __future__ import annotations

import time

import torch

from .metrics import symmetry_bias
from .polarization import _eval_mode, polarization_gram
from .spectrum import Spectrum, spectrum_from_gram
from .tasks import get_task

__all__ = ["DegenerateSpectrum", "extract_run", "output_spread"]

#: A spectrum whose largest symmetry variance is at most this times the
#: variance of the model's outputs is degenerate (see :func:`extract_run`).
DEGENERATE_RTOL = 1e-10


class DegenerateSpectrum(ValueError):
    """The model's outputs do not change on the data: every generator looks
    like a symmetry and the spectrum says nothing."""


@torch.no_grad()
def output_spread(model, x: torch.Tensor, chunk_size: int = 4096) -> tuple[float, float]:
    """Variance of the model's outputs over the samples, and the part of it
    that float32 rounding alone can produce, in float64.

    Parameters
    ----------
    model : callable
    x : Tensor of shape ``(N, ...)``

    Returns
    -------
    variance : float
        ``mean_i ||f(x_i) - mean_j f(x_j)||^2``.
    rounding : float
        ``eps**2 * mean_i ||f(x_i)||^2`` with ``eps`` the float32 machine epsilon.

    Examples
    --------
    >>> x = torch.tensor([[1.0], [3.0]])
    >>> output_spread(torch.nn.Identity(), x)[0], output_spread(lambda v: 0 * v + 7, x)[0]
    (1.0, 0.0)
    """
    with _eval_mode(model):
        y = torch.cat([model(chunk).reshape(len(chunk), -1) for chunk in x.split(chunk_size)]).to(torch.float64)
    variance = float((y - y.mean(dim=0)).pow(2).sum(dim=1).mean())
    rounding = torch.finfo(torch.float32).eps ** 2 * float(y.pow(2).sum(dim=1).mean())
    return variance, rounding


def _samples(data: dict, split: str) -> torch.Tensor:
    if split == "all":
        return torch.cat([data["x_train"], data["x_val"], data["x_test"]])
    return data[f"x_{split}"]


def extract_run(model: torch.nn.Module, data: dict, spec: dict) -> tuple[Spectrum, torch.Tensor, dict]:
    """LieGG spectrum and symmetry biases of a trained model.

    Parameters
    ----------
    model : nn.Module
    data : dict of split tensors
    spec : dict
        The run spec; ``spec["liegg"]`` holds ``split, outputs, normalize, chunk_size``.

    Returns
    -------
    spectrum : Spectrum
        Computed in float64 from the chunked Gram matrix.
    biases : Tensor of shape ``(d*d,)``
    summary : dict
        ``lambda_min``, the bias of the most invariant generator, the smallest
        bias, seconds.

    Raises
    ------
    DegenerateSpectrum
        When the outputs vary over the samples no more than float32 rounding
        can explain, or the largest symmetry variance is at most
        ``DEGENERATE_RTOL`` times their variance: a model whose outputs are
        constant on the data (a collapsed or untrained network) is invariant
        to every generator, so its generators would be meaningless. The run
        fails with this message instead of writing them.
    """
    task = get_task(spec["task"])
    settings = spec["liegg"]
    x = _samples(data, settings["split"]).to(torch.float32)
    start = time.perf_counter()
    gram, rows = polarization_gram(
        model, x, task.action,
        outputs=settings["outputs"], normalize=settings["normalize"], chunk_size=settings["chunk_size"],
    )
    spec_ = spectrum_from_gram(gram, rows)
    variance, rounding = output_spread(model, x, settings["chunk_size"])
    if variance <= rounding or float(spec_.variances[-1]) <= DEGENERATE_RTOL * variance:
        raise DegenerateSpectrum(
            f"the outputs of the model (seed {spec.get('seed')}) do not change on the {len(x)} samples: "
            f"largest symmetry variance {float(spec_.variances[-1]):.3g}, output variance {variance:.3g}; "
            "every generator looks like a symmetry, so the spectrum says nothing. The network has "
            "collapsed to a constant: check its training log and retrain it (other seed or learning rate)"
        )
    biases = symmetry_bias(spec_.generators, task.algebra)
    summary = {
        "rows": rows,
        "lambda_min": float(spec_.variances[0]),
        "lambda_max": float(spec_.variances[-1]),
        "bias_of_lambda_min": float(biases[0]),
        "bias_min": float(biases.min()),
        "extract_seconds": time.perf_counter() - start,
    }
    return spec_, biases, summary
