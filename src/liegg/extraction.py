"""LieGG on a trained run: its spectrum and symmetry biases."""

from __future__ import annotations

import time

import torch

from .metrics import symmetry_bias
from .polarization import polarization_gram
from .spectrum import Spectrum, spectrum_from_gram
from .tasks import get_task

__all__ = ["extract_run"]


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
        The run spec; ``spec["liegg"]`` holds ``split, outputs, normalize, chunk_size``
        and optionally ``action``, options of the task's action (for images
        ``centre`` and ``difference``, see :class:`liegg.ImageAction`).

    Returns
    -------
    spectrum : Spectrum
        Computed in float64 from the chunked Gram matrix.
    biases : Tensor of shape ``(d*d,)``
    summary : dict
        ``lambda_min``, the bias of the most invariant generator, the smallest
        bias, seconds.
    """
    task = get_task(spec["task"])
    settings = spec["liegg"]
    x = _samples(data, settings["split"]).to(torch.float32)
    action = task.action
    if settings.get("action"):
        if not hasattr(action, "with_options"):
            raise ValueError(f"the action of task {task.name!r} takes no options; remove liegg.action")
        action = action.with_options(**settings["action"])
    start = time.perf_counter()
    gram, rows = polarization_gram(
        model, x, action,
        outputs=settings["outputs"], normalize=settings["normalize"], chunk_size=settings["chunk_size"],
    )
    spec_ = spectrum_from_gram(gram, rows)
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
