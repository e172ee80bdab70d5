"""LieGG on a trained run: its spectrum and symmetry biases, through :func:`liegg.analyze`."""

from __future__ import annotations

import time

import torch

from ..analysis import Analysis, DegenerateSpectrum, analyze
from ..metrics import closure_defect
from ..spectral import Spectrum
from .catalogue import found_dimension
from .finite_checks import finite_checks, finite_families
from .splits import liegg_samples
from .symmetries import (
    candidate_dimensions,
    candidate_measures,
    candidate_readings,
    get_symmetry,
    name_algebra,
    pixel_readings,
    reference_algebra,
    task_action,
    true_algebra,
)
from .tasks import get_task

__all__ = ["extract_run", "summarize", "analyze_run"]


def analyze_run(model, x, spec: dict) -> Analysis:
    """:func:`liegg.analyze` with the task's action, the run's ``liegg`` settings
    and, as the algebra, the one its data carry (see
    :func:`liegg.study.symmetries.reference_algebra`); a degenerate spectrum
    names the run's seed."""
    dataset = spec.get("dataset", {})
    settings, symmetry = spec["liegg"], get_symmetry(spec["task"], dataset)
    algebra = symmetry.candidates[reference_algebra(spec["task"], dataset)]
    try:
        return analyze(
            model, x, task_action(spec["task"], settings.get("action"), dataset), algebra=algebra,
            outputs=settings["outputs"], normalize=settings["normalize"], chunk_size=settings["chunk_size"],
        )  # fmt: skip
    except DegenerateSpectrum as err:
        raise DegenerateSpectrum(f"seed {spec.get('seed')}: {err}") from None


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
        ``centre`` and ``difference``, see :class:`liegg.ImageAction`);
        ``spec["dataset"]``, the dataset settings, tells which algebra the data carry.
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
    device = torch.device(device)
    x = liegg_samples(data, spec).to(device=device, dtype=torch.float32)
    start = time.perf_counter()
    result = analyze_run(model.to(device), x, spec)
    dataset = spec.get("dataset", {})
    action = task_action(spec["task"], spec["liegg"].get("action"), dataset)
    candidates = get_symmetry(spec["task"], dataset).candidates
    summary = summarize(result, spec)
    if getattr(action, "basis", None) is not None:  # the affine action: also per pixel of motion
        summary.update(pixel_readings(result.spectrum, candidates, action.basis, action.displacements(x)))
    summary.update(finite_check_run(model, data, spec, result, action, candidates, device))
    summary.update(extract_seconds=time.perf_counter() - start, device=str(device))
    return result.spectrum, result.bias, summary


def finite_check_run(model, data: dict, spec: dict, result: Analysis, action, candidates: dict, device) -> dict:
    """:func:`liegg.study.finite_checks.finite_checks` of a run on its test split."""
    x = data["x_test"].to(device=device, dtype=torch.float32)
    classifier = get_task(spec["task"]).loss == "cross_entropy"
    labels = data["y_test"].to(device) if classifier else None
    families = finite_families(spec["task"], action, candidates, x)
    learned = result.generators[: result.algebra_dim]
    return finite_checks(model, x, labels, action, families, learned, float(result.variances.mean()),
                         spec["liegg"], classifier)  # fmt: skip


def summarize(result: Analysis, spec: dict) -> dict:
    """The numbers a table keeps of one analysis of a run.

    Returns
    -------
    dict with ``rows``, ``lambda_min``, ``lambda_max``, ``rel_lambda_min``
    (``lambda_min`` over the mean variance), ``bias_of_lambda_min``,
    ``bias_min``, ``algebra_dim`` (k, of the algebra the data carry, or of
    the rotations for data with none), ``lambda_k`` (the k-th smallest
    variance), ``rel_lambda_k``, ``gap_ratio`` (the (k+1)-th over the k-th;
    NaN when k = D), ``bias_block_k`` (:func:`liegg.subspace_bias` of the k
    most invariant generators: the block, whichever basis of it the spectrum
    returned); ``closure_k`` (:func:`liegg.closure_defect` of those k),
    ``found_dim`` (:func:`liegg.study.catalogue.found_dimension`) and
    ``closure_found`` (of the found block; NaN when none is found); then, per
    candidate algebra of the task, ``bias_<candidate>``, ``angle_<candidate>``
    (degrees) and ``gap_<candidate>`` (see
    :func:`liegg.study.symmetries.candidate_measures`), the readings of the whole
    spectrum of :func:`liegg.study.symmetries.candidate_readings`,
    ``true_algebra`` (or ``none``) and ``named_algebra``, the candidate
    LieGG names (see :func:`liegg.study.symmetries.name_algebra`).

    Examples
    --------
    >>> import liegg
    >>> f = lambda x: x[:, :2].norm(dim=1, keepdim=True) ** 2 + x[:, 2:]
    >>> result = liegg.analyze(f, torch.randn(50, 3, dtype=torch.float64), liegg.VectorAction(3), algebra="so")
    >>> s = summarize(result, {"task": "o5"})
    >>> s["algebra_dim"], s["lambda_min"] < 1e-12 * s["lambda_max"], s["bias_block_k"] > 0.5  # so(2) of so(3)
    (3, True, True)
    """
    v, k, rel = result.variances, result.algebra_dim, result.relative_variances
    candidates = get_symmetry(spec["task"], spec.get("dataset")).candidates
    measures = candidate_measures(result.generators, v, candidates)
    dimensions = candidate_dimensions(candidates, result.generators.shape[-1])
    found, _ = found_dimension(v.numpy())
    return {
        "rows": result.rows,
        "lambda_min": float(v[0]),
        "lambda_max": float(v[-1]),
        "rel_lambda_min": float(rel[0]),
        "bias_of_lambda_min": float(result.bias[0]),
        "bias_min": float(result.bias.min()),
        "algebra_dim": k,
        "lambda_k": float(v[k - 1]),
        "rel_lambda_k": float(rel[k - 1]),
        "gap_ratio": float(v[k] / v[k - 1]) if k < len(v) else float("nan"),
        "bias_block_k": result.subspace_bias,
        "closure_k": result.closure,
        "found_dim": found,
        "closure_found": closure_defect(result.generators[:found]) if found else float("nan"),
        **measures,
        **candidate_readings(result.spectrum, candidates),
        "true_algebra": true_algebra(spec["task"], spec.get("dataset", {})) or "none",
        "named_algebra": name_algebra(measures, dimensions),
    }
