"""Tidy long-format rows from run records and spectra (no file I/O)."""

from __future__ import annotations

__all__ = ["run_row", "spectrum_rows", "layer_rows", "timing_row"]


def _identity(study: str, run: str, record: dict) -> dict:
    spec = record["spec"]
    model = spec["model"]
    row = {
        "study": study,
        "run": run,
        "task": spec["task"],
        "arch": model["arch"],
        "depth": model["depth"],
        "width": model["width"],
        "seed": spec["seed"],
    }
    if "kernel_size" in model:  # CNNs: width is the number of channels
        row["kernel_size"] = model["kernel_size"]
    row["regime"] = record["regime"]
    row["n_train"] = record["n_train"]
    row["seed"] = row.pop("seed")  # the seed stays the last column of a run's identity
    return row


def run_row(study: str, run: str, record: dict, summary: dict) -> dict:
    """One row per run: its setting, scores and LieGG summary (no timings, so
    that two runs of the same config give identical bytes)."""
    row = _identity(study, run, record)
    row["n_parameters"] = record["n_parameters"]
    row["best_epoch"] = record["best_epoch"]
    row["epochs_run"] = len(record["history"])
    row["stopped_early"] = record.get("stopped_early", False)
    for split in ("val", "test"):
        for key, value in record[split].items():
            row[f"{split}_{key}"] = value
    row.update(_measures(summary))
    return row


#: Summary entries that vary between two runs of one config, or are kept elsewhere.
_NOT_MEASURES = ("extract_seconds", "device", "provenance", "study", "run", "layer", "rows")


def _measures(summary: dict) -> dict:
    """The LieGG measures of a summary (see :func:`liegg.study.extraction.summarize`),
    in its order, then ``rows``."""
    measures = {key: value for key, value in summary.items() if key not in _NOT_MEASURES}
    return {**measures, "rows": summary["rows"]}


def spectrum_rows(study: str, run: str, record: dict, variances, singular_values, biases) -> list[dict]:
    """One row per (run, generator index), index 0 the most invariant; the relative
    variance is the variance over the mean of all of the run's variances."""
    ident = _identity(study, run, record)
    mean = sum(float(v) for v in variances) / len(variances)
    return [
        {**ident, "index": i, "variance": float(v), "relative_variance": float(v) / mean,
         "singular_value": float(s), "bias": float(b)}
        for i, (v, s, b) in enumerate(zip(variances, singular_values, biases))
    ]  # fmt: skip


def layer_rows(study: str, run: str, record: dict, summaries: list[dict]) -> list[dict]:
    """One row per (run, hidden layer): the LieGG summary of the map from the
    input to that layer (see :func:`liegg.study.layer_spectra.extract_layers`)."""
    ident = _identity(study, run, record)
    return [{**ident, "layer": summary["layer"], **_measures(summary)} for summary in summaries]


def timing_row(study: str, run: str, record: dict, summary: dict) -> dict:
    """Wall times and device of one run (these vary between identical runs)."""
    row = _identity(study, run, record)
    row.update(
        device=record["device"],
        precision=record.get("precision", "fp32"),
        train_seconds=record["train_seconds"],
        train_samples_per_second=record["train_samples_per_second"],
        extract_seconds=summary["extract_seconds"],
        extract_device=summary.get("device", ""),
    )
    return row
