"""LieGG on a trained run: its spectrum and symmetry biases."""

from __future__ import annotations

import time

import torch

from .groups import algebra_basis
from .layers import hidden_layer_count, layer_outputs
from .metrics import symmetry_bias
from .polarization import _eval_mode, polarization_gram
from .runs import training_subset
from .spectrum import Spectrum, spectrum_from_gram
from .tasks import get_task

__all__ = ["DegenerateSpectrum", "extract_run", "extract_layers", "output_spread", "summarize_spectrum"]

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


def _samples(data: dict, spec: dict) -> torch.Tensor:
    """The samples of ``spec["liegg"]["split"]``; ``train`` is the part of the
    training split the run was trained on."""
    data = training_subset(data, spec.get("training", {}).get("n_train"))
    split = spec["liegg"]["split"]
    if split == "all":
        return torch.cat([data["x_train"], data["x_val"], data["x_test"]])
    return data[f"x_{split}"]


def extract_run(
    model: torch.nn.Module, data: dict, spec: dict, device: torch.device | str = "cpu"
) -> tuple[Spectrum, torch.Tensor, dict]:
    """LieGG spectrum and symmetry biases of a trained model.

    The Jacobians are computed on ``device``; the Gram matrix then comes back to
    the CPU, where the eigendecomposition and the biases are computed, so only
    the float32 derivatives differ between devices.

    Parameters
    ----------
    model : nn.Module
    data : dict of split tensors
    spec : dict
        The run spec; ``spec["liegg"]`` holds ``split, outputs, normalize, chunk_size``
        and optionally ``action``, options of the task's action (for images
        ``centre`` and ``difference``, see :class:`liegg.ImageAction`).
    device : torch.device or str
        Where the polarization matrix is computed (the model is moved there).

    Returns
    -------
    spectrum : Spectrum
        Computed in float64 from the chunked Gram matrix.
    biases : Tensor of shape ``(d*d,)``
    summary : dict
        See :func:`summarize_spectrum`, plus ``extract_seconds`` and the
        ``device`` that computed the Jacobians.

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
    device = torch.device(device)
    x = _samples(data, spec).to(device=device, dtype=torch.float32)
    model = model.to(device)
    start = time.perf_counter()
    result = _extract(model, x, task, spec["liegg"], spec.get("seed"))
    result[2].update(extract_seconds=time.perf_counter() - start, device=str(device))
    return result


def extract_layers(
    model: torch.nn.Module, data: dict, spec: dict, device: torch.device | str = "cpu"
) -> list[dict]:
    """LieGG summary of the map from the input to every hidden layer.

    The layer's activations are L2-normalised per sample (whatever
    ``spec["liegg"]["normalize"]`` says), so that a rescaling of a layer does
    not count. Returns one :func:`summarize_spectrum` dict per layer, with
    ``layer`` (1-based) added.
    """
    task = get_task(spec["task"])
    device = torch.device(device)
    x = _samples(data, spec).to(device=device, dtype=torch.float32)
    model = model.to(device)
    settings = {**spec["liegg"], "normalize": True}
    summaries = []
    for layer in range(1, hidden_layer_count(model) + 1):
        _, _, summary = _extract(layer_outputs(model, layer), x, task, settings, spec.get("seed"))
        summaries.append({"layer": layer, **summary})
    return summaries


def _action(task, settings):
    """The task's action, with the options ``settings["action"]`` gives."""
    action = task.action
    if settings.get("action"):
        if not hasattr(action, "with_options"):
            raise ValueError(f"the action of task {task.name!r} takes no options; remove liegg.action")
        action = action.with_options(**settings["action"])
    return action


def _extract(model, x, task, settings, seed=None):
    gram, rows = polarization_gram(
        model, x, _action(task, settings),
        outputs=settings["outputs"], normalize=settings["normalize"], chunk_size=settings["chunk_size"],
    )
    gram = gram.cpu()
    spec_ = spectrum_from_gram(gram, rows)
    variance, rounding = output_spread(model, x, settings["chunk_size"])
    if variance <= rounding or float(spec_.variances[-1]) <= DEGENERATE_RTOL * variance:
        raise DegenerateSpectrum(
            f"the outputs of the model (seed {seed}) do not change on the {len(x)} samples: "
            f"largest symmetry variance {float(spec_.variances[-1]):.3g}, output variance {variance:.3g}; "
            "every generator looks like a symmetry, so the spectrum says nothing. The network has "
            "collapsed to a constant: check its training log and retrain it (other seed or learning rate)"
        )
    biases = symmetry_bias(spec_.generators, task.algebra)
    d = spec_.generators.shape[-1]
    algebra_dim = len(algebra_basis(task.algebra, d, dtype=torch.float64))
    return spec_, biases, summarize_spectrum(spec_, biases, algebra_dim)


def summarize_spectrum(spec: Spectrum, biases: torch.Tensor, algebra_dim: int) -> dict:
    """The numbers a table keeps of one spectrum.

    Parameters
    ----------
    spec : Spectrum
    biases : Tensor of shape ``(D,)``
    algebra_dim : int
        Dimension k of the symmetry known to be in the data (10 for so(5)).

    Returns
    -------
    dict with ``rows``, ``lambda_min``, ``lambda_max``, ``bias_of_lambda_min``,
    ``bias_min``, ``algebra_dim``, ``lambda_k`` (the k-th smallest variance),
    ``gap_ratio`` (the (k+1)-th over the k-th; NaN when k = D) and
    ``bias_mean_k`` (mean bias of the k most invariant generators).

    Examples
    --------
    >>> from liegg import spectrum
    >>> sp = spectrum(torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)))
    >>> s = summarize_spectrum(sp, torch.zeros(4), algebra_dim=1)
    >>> s["lambda_k"], s["gap_ratio"]
    (0.25, 4.0)
    """
    v = spec.variances
    k = algebra_dim
    return {
        "rows": spec.rows,
        "lambda_min": float(v[0]),
        "lambda_max": float(v[-1]),
        "bias_of_lambda_min": float(biases[0]),
        "bias_min": float(biases.min()),
        "algebra_dim": k,
        "lambda_k": float(v[k - 1]),
        "gap_ratio": float(v[k] / v[k - 1]) if k < len(v) else float("nan"),
        "bias_mean_k": float(biases[:k].mean()),
    }
