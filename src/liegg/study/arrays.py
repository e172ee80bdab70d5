"""Arrays in ``.npz`` files that say what they are: datasets (and, through
:mod:`liegg.study.spectra`, spectra).

A truncated or corrupted file fails the zip checks (every member carries a
CRC-32), a file of another kind lacks the arrays asked for, and a file of
another run carries ``meta`` entries that differ from what the reader expects.
Reading is numpy alone (a table job need not import torch); tensors are
converted where a caller asks for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .files import REBUILD_HINT, atomic_path, check_meta, fail, one_line

__all__ = ["save_arrays", "load_arrays", "load_dataset"]


def save_arrays(path, arrays: dict, meta: dict | None = None) -> None:
    """Write named tensors/arrays (and a JSON-able ``meta`` dict) to an ``.npz`` file."""
    payload = {k: (v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)) for k, v in arrays.items()}
    payload["__meta__"] = np.array(json.dumps(meta or {}, sort_keys=True))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **payload)


def load_arrays(path, required=(), hint: str = REBUILD_HINT, expect: dict | None = None) -> tuple[dict, dict]:
    """Read an ``.npz`` written by :func:`save_arrays`.

    A truncated or corrupted file fails the zip checks (every member carries a
    CRC-32), a file of another kind lacks the ``required`` arrays, and a file
    of another run has ``meta`` entries that differ from ``expect``.

    Returns
    -------
    arrays : dict of numpy arrays
    meta : dict
    """
    path = Path(path)
    if not path.is_file():
        fail(path, "file not found", hint)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as err:  # zipfile and numpy raise many types for a corrupt file
        fail(path, f"not a readable .npz file ({type(err).__name__}: {one_line(err)})", hint)
    missing = [k for k in (*required, "__meta__") if k not in arrays]
    if missing:
        fail(path, f"missing arrays {missing}", hint)
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except json.JSONDecodeError as err:
        fail(path, f"unreadable meta data ({err})", hint)
    check_meta(path, meta, expect, hint)
    return arrays, meta


def load_dataset(path, expect: dict | None = None) -> dict:
    """Read a dataset written by the workflow: ``x_<split>``, ``y_<split>`` tensors.

    With ``expect``, its meta data (``task``, ``id``...) must hold those entries.
    """
    import torch

    required = [f"{a}_{s}" for s in ("train", "val", "test") for a in ("x", "y")]
    arrays, meta = load_arrays(path, required=required, expect=expect)
    data = {k: torch.from_numpy(arrays[k]) for k in required}
    for key, value in data.items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            fail(path, f"array {key} holds NaN or inf")
    return data
