"""Files of a run: datasets, checkpoints, spectra and JSON records.

Every writer writes a temporary file and renames it, so an interrupted job
never leaves a truncated file under the final name. Every reader checks what
it reads and raises :class:`DataFileError` naming the file and how to rebuild it.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch

from .spectrum import Spectrum

__all__ = [
    "DataFileError",
    "atomic_path",
    "save_arrays",
    "load_arrays",
    "save_checkpoint",
    "load_checkpoint",
    "save_spectrum",
    "load_spectrum",
    "write_json",
    "read_json",
    "load_dataset",
    "log_to_file",
    "write_csv",
]

REBUILD_HINT = "delete it and rerun snakemake to rebuild it"


class DataFileError(ValueError):
    """A file is missing, truncated, corrupt or of the wrong kind."""


class atomic_path:
    """Context manager yielding a temporary path that replaces ``path`` on success."""

    def __init__(self, path):
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def _fail(path, what: str, hint: str = REBUILD_HINT):
    raise DataFileError(f"{path}: {what}; {hint}")


def save_arrays(path, arrays: dict, meta: dict | None = None) -> None:
    """Write named tensors/arrays (and a JSON-able ``meta`` dict) to an ``.npz`` file."""
    payload = {k: (v.detach().cpu().numpy() if torch.is_tensor(v) else np.asarray(v)) for k, v in arrays.items()}
    payload["__meta__"] = np.array(json.dumps(meta or {}, sort_keys=True))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **payload)


def load_arrays(path, required=(), hint: str = REBUILD_HINT) -> tuple[dict, dict]:
    """Read an ``.npz`` written by :func:`save_arrays`.

    Returns
    -------
    arrays : dict of numpy arrays
    meta : dict
    """
    path = Path(path)
    if not path.is_file():
        _fail(path, "file not found", hint)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        _fail(path, f"not a readable .npz file ({err})", hint)
    missing = [k for k in (*required, "__meta__") if k not in arrays]
    if missing:
        _fail(path, f"missing arrays {missing}", hint)
    meta = json.loads(str(arrays.pop("__meta__")))
    return arrays, meta


def save_checkpoint(path, model: torch.nn.Module, spec: dict) -> None:
    """Save weights and the JSON-able ``spec`` that rebuilds the model."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"format": "liegg-checkpoint-1", "spec": json.dumps(spec, sort_keys=True), "state_dict": state}, tmp)


def load_checkpoint(path, hint: str = REBUILD_HINT) -> tuple[dict, dict]:
    """Load a checkpoint with ``weights_only=True`` (no code runs from the file).

    Returns
    -------
    spec : dict
    state_dict : dict of tensors
    """
    path = Path(path)
    if not path.is_file():
        _fail(path, "checkpoint not found", hint)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a corrupt file
        _fail(path, f"not a readable checkpoint ({type(err).__name__}: {str(err)[:200]})", hint)
    if not isinstance(blob, dict) or blob.get("format") != "liegg-checkpoint-1":
        _fail(path, "not a liegg checkpoint", hint)
    return json.loads(blob["spec"]), blob["state_dict"]


def save_spectrum(path, spec: Spectrum, extra: dict | None = None, meta: dict | None = None) -> None:
    """Write a :class:`Spectrum` (plus extra per-generator arrays) to ``.npz``."""
    arrays = {
        "singular_values": spec.singular_values,
        "variances": spec.variances,
        "generators": spec.generators,
        "rows": np.array(spec.rows),
        **(extra or {}),
    }
    save_arrays(path, arrays, meta)


def load_spectrum(path) -> tuple[Spectrum, dict, dict]:
    """Read a spectrum file: the :class:`Spectrum`, all arrays, and the meta dict."""
    arrays, meta = load_arrays(path, required=("singular_values", "variances", "generators", "rows"))
    spec = Spectrum(
        singular_values=torch.from_numpy(arrays["singular_values"]),
        variances=torch.from_numpy(arrays["variances"]),
        generators=torch.from_numpy(arrays["generators"]),
        rows=int(arrays["rows"]),
    )
    return spec, arrays, meta


def write_json(path, obj) -> None:
    """Write JSON atomically, keys sorted, for stable diffs."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path, hint: str = REBUILD_HINT):
    path = Path(path)
    if not path.is_file():
        _fail(path, "file not found", hint)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        _fail(path, f"not valid JSON ({err})", hint)


def load_dataset(path) -> dict:
    """Read a dataset written by the workflow: ``x_<split>``, ``y_<split>`` tensors."""
    required = [f"{a}_{s}" for s in ("train", "val", "test") for a in ("x", "y")]
    arrays, meta = load_arrays(path, required=required)
    data = {k: torch.from_numpy(arrays[k]) for k in required}
    for key, value in data.items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            _fail(path, f"array {key} holds NaN or inf")
    return data


def log_to_file(path) -> None:
    """Send logging, warnings, stdout and stderr of a workflow job to its log file."""
    import logging
    import sys

    stream = open(path, "a", buffering=1)
    sys.stdout = sys.stderr = stream
    logging.basicConfig(
        stream=stream, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True
    )
    logging.captureWarnings(True)


def write_csv(path, rows: list[dict]) -> None:
    """Write dict rows as CSV (columns in first-row order), atomically.

    Floats are written with ``repr`` so that equal numbers give equal bytes.
    """
    import csv

    if not rows:
        raise ValueError(f"{path}: no rows to write")
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
