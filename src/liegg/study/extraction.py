"""LieGG on a trained run: its spectrum and symmetry biases, through :func:`liegg.analyze`."""

from __future__ import annotations

import time

import torch

from ..analysis import Analysis, DegenerateSpectrum, analyze
from ..spectral import Spectrum
from .splits import liegg_samples
from .symmetries import get_symmetry, task_action

__all__ = ["extract_run", "summarize", "analyze_run"]


def analyze_run(model, x, task: str, settings: dict, seed=None) -> Analysis:
    """:func:`liegg.analyze` with the task's action and algebra and the run's
    ``liegg`` settings; a degenerate spectrum names the run's seed."""
    try:
        return analyze(
            model, x, task_action(task, settings.get("action")), algebra=get_symmetry(task).algebra,
            outputs=settings["outputs"], normalize=settings["normalize"], chunk_size=settings["chunk_size"],
        )  # fmt: skip
    except DegenerateSpectrum as err:
        raise DegenerateSpectrum(f"seed {seed}: {err}") from None


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
        See :func:`summarize`, plus ``extract_seconds`` and the ``device``
        that computed the Jacobians.

    Raises
    ------
    DegenerateSpectrum
        For a network whose outputs are constant on the data (see
        :func:`liegg.analyze`); the message names the run's seed.
    """
    task = spec["task"]
    device = torch.device(device)
    x = liegg_samples(data, spec).to(device=device, dtype=torch.float32)
    start = time.perf_counter()
    result = analyze_run(model.to(device), x, task, spec["liegg"], spec.get("seed"))
    summary = {**summarize(result), "extract_seconds": time.perf_counter() - start, "device": str(device)}
    return result.spectrum, result.bias, summary


def summarize(result: Analysis) -> dict:
    """The numbers a table keeps of one analysis (with an algebra of dimension ``k``).

    Returns
    -------
    dict with ``rows``, ``lambda_min``, ``lambda_max``, ``bias_of_lambda_min``,
    ``bias_min``, ``algebra_dim``, ``lambda_k`` (the k-th smallest variance),
    ``gap_ratio`` (the (k+1)-th over the k-th; NaN when k = D) and
    ``bias_block_k`` (:func:`liegg.subspace_bias` of the k most invariant
    generators: the block, whichever basis of it the spectrum returned).

    Examples
    --------
    >>> import liegg
    >>> f = lambda x: x[:, :2].norm(dim=1, keepdim=True) ** 2 + x[:, 2:]
    >>> result = liegg.analyze(f, torch.randn(50, 3, dtype=torch.float64), liegg.VectorAction(3), algebra="so")
    >>> s = summarize(result)
    >>> s["algebra_dim"], s["lambda_min"] < 1e-12 * s["lambda_max"], s["bias_block_k"] > 0.5  # so(2) of so(3)
    (3, True, True)
    """
    v, k = result.variances, result.algebra_dim
    return {
        "rows": result.rows,
        "lambda_min": float(v[0]),
        "lambda_max": float(v[-1]),
        "bias_of_lambda_min": float(result.bias[0]),
        "bias_min": float(result.bias.min()),
        "algebra_dim": k,
        "lambda_k": float(v[k - 1]),
        "gap_ratio": float(v[k] / v[k - 1]) if k < len(v) else float("nan"),
        "bias_block_k": result.subspace_bias,
    }
