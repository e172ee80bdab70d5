"""Checkpoints (weights that say which run they belong to) and training resume states.

Both load with ``torch.load(..., weights_only=True)``: no code runs from a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import torch

from .files import REBUILD_HINT, atomic_path, check_meta, fail, one_line

__all__ = ["CHECKPOINT_FORMAT", "RESUME_FORMAT", "save_checkpoint", "load_checkpoint", "save_resume", "load_resume"]

CHECKPOINT_FORMAT = "liegg-checkpoint-1"
RESUME_FORMAT = "liegg-resume-1"

log = logging.getLogger(__name__)


def _checkpoint_sha256(state: dict, *texts: str) -> str:
    """sha256 of some strings and of named tensors (names, dtypes, shapes and
    bytes, in name order)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(f"{len(text)}:{text};".encode())
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_checkpoint(path, model: torch.nn.Module, spec: dict, meta: dict | None = None) -> None:
    """Save weights, the JSON-able ``spec`` that rebuilds the model, a
    checksum of the weights and ``meta`` (what run the weights belong to)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    spec_json, meta_json = json.dumps(spec, sort_keys=True), json.dumps(meta or {}, sort_keys=True)
    blob = {
        "format": CHECKPOINT_FORMAT,
        "spec": spec_json,
        "meta": meta_json,
        "sha256": _checkpoint_sha256(state, spec_json, meta_json),
        "state_dict": state,
    }
    with atomic_path(path) as tmp:
        torch.save(blob, tmp)


def load_checkpoint(path, hint: str = REBUILD_HINT, expect: dict | None = None) -> tuple[dict, dict]:
    """Load a checkpoint with ``weights_only=True`` (no code runs from the file).

    Checks the checksum of the weights and, with ``expect``, that the
    checkpoint's ``meta`` holds those entries.

    Returns
    -------
    spec : dict
    state_dict : dict of tensors
    """
    path = Path(path)
    if not path.is_file():
        fail(path, "checkpoint not found", hint)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a corrupt file
        if "Weights only load failed" in str(err):
            fail(path, "not a readable checkpoint: it holds Python objects other than tensors and plain "
                  "data, which are refused because loading them could run code", hint)
        fail(path, f"not a readable checkpoint ({type(err).__name__}: {one_line(err)})", hint)
    if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
        fail(path, "not a liegg checkpoint", hint)
    state, spec_json, meta_json = blob.get("state_dict"), blob.get("spec"), blob.get("meta")
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        fail(path, "holds no weights", hint)
    if not (isinstance(spec_json, str) and isinstance(meta_json, str) and isinstance(blob.get("sha256"), str)):
        fail(path, "lacks its spec, meta data or checksum", hint)
    if _checkpoint_sha256(state, spec_json, meta_json) != blob["sha256"]:
        fail(path, "its content does not match its checksum (corrupted file)", hint)
    check_meta(path, json.loads(meta_json), expect, hint)
    return json.loads(spec_json), state


def save_resume(path, state: dict, key: dict) -> None:
    """Save a training state (see :func:`liegg.fit`) with the ``key`` of the
    run it belongs to (JSON-able: settings, input checksums, versions)."""
    with atomic_path(path) as tmp:
        torch.save({"format": RESUME_FORMAT, "key": json.dumps(key, sort_keys=True), "state": state}, tmp)


def load_resume(path, key: dict) -> dict | None:
    """The training state saved at ``path`` for the same ``key``, else None.

    A resume file is a cache: a missing, unreadable or foreign one (other
    settings, inputs or code) is skipped with a log message, never used.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.resume.pt"
    >>> save_resume(path, {"epoch": 3}, key={"lr": 0.1})
    >>> load_resume(path, {"lr": 0.1}), load_resume(path, {"lr": 0.2})
    ({'epoch': 3}, None)
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        saved_key = json.loads(blob["key"]) if blob.get("format") == RESUME_FORMAT else None
    except Exception as err:  # a damaged cache is skipped, whatever torch raises
        log.warning("%s: unreadable resume file, starting afresh (%s: %s)", path, type(err).__name__, one_line(err))
        return None
    if saved_key != json.loads(json.dumps(key, sort_keys=True)):
        log.info("%s: saved for other settings, inputs or code; starting afresh", path)
        return None
    return blob["state"]
