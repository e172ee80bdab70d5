"""LieGG on a trained run: its spectrum and symmetry biases."""

from __future__ import annotations

import time

import torch

from .groups import algebra_basis
from .layers import hidden_layer_count, layer_outputs
from .metrics import symmetry_bias
from .polarization import polarization_gram
from .spectrum import Spectrum, spectrum_from_gram
from .tasks import get_task

__all__ = ["extract_run", "extract_layers", "summarize_spectrum"]


def _samples(data: dict, split: str) -> torch.Tensor:
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
    """
    task = get_task(spec["task"])
    device = torch.device(device)
    x = _samples(data, spec["liegg"]["split"]).to(device=device, dtype=torch.float32)
    model = model.to(device)
    start = time.perf_counter()
    result = _extract(model, x, task, spec["liegg"])
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
    x = _samples(data, spec["liegg"]["split"]).to(device=device, dtype=torch.float32)
    model = model.to(device)
    settings = {**spec["liegg"], "normalize": True}
    summaries = []
    for layer in range(1, hidden_layer_count(model) + 1):
        _, _, summary = _extract(layer_outputs(model, layer), x, task, settings)
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


def _extract(model, x, task, settings):
    gram, rows = polarization_gram(
        model, x, _action(task, settings),
        outputs=settings["outputs"], normalize=settings["normalize"], chunk_size=settings["chunk_size"],
    )
    gram = gram.cpu()
    spec_ = spectrum_from_gram(gram, rows)
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
