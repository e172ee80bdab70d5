"""Files of a run: datasets, checkpoints, spectra and JSON records.

Every writer writes a temporary file and renames it, so an interrupted job
never leaves a truncated file under the final name. Every reader checks what
it reads and raises :class:`DataFileError` naming the file and how to rebuild it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import torch

from .spectrum import Spectrum

__all__ = [
    "DataFileError",
    "atomic_path",
    "file_sha256",
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
    "save_resume",
    "load_resume",
    "read_table",
    "figure_paths",
]

REBUILD_HINT = "delete it and rerun snakemake to rebuild it"
CHECKPOINT_FORMAT = "liegg-checkpoint-1"
RESUME_FORMAT = "liegg-resume-1"

log = logging.getLogger(__name__)


class DataFileError(ValueError):
    """A file is missing, truncated, corrupt or of the wrong kind."""


class atomic_path:
    """Context manager yielding a temporary path that replaces ``path`` on success.

    The temporary file sits next to ``path`` (same file system, so the final
    rename is atomic) and gets the permissions of a newly created file. The
    leftovers of an earlier writer of ``path`` that was killed are removed
    first: each path has one writer at a time.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['a.txt'])
    """

    def __init__(self, path):
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def _fail(path, what: str, hint: str = REBUILD_HINT):
    raise DataFileError(f"{path}: {what}; {hint}")


def _one_line(err) -> str:
    """The first line of an error message, without terminal colour codes."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()
    return lines[0][:200] if lines else ""


def _check_meta(path, meta: dict, expect: dict | None, hint: str = REBUILD_HINT) -> None:
    """Fail unless every ``expect`` entry is in ``meta`` with the same value."""
    for key, value in (expect or {}).items():
        if key not in meta:
            _fail(path, f"does not say which {key} it belongs to (expected {value!r})", hint)
        if meta[key] != value:
            _fail(path, f"its {key} is {meta[key]!r}, expected {value!r} (a file of another run or kind?)", hint)


def file_sha256(path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


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


def save_arrays(path, arrays: dict, meta: dict | None = None) -> None:
    """Write named tensors/arrays (and a JSON-able ``meta`` dict) to an ``.npz`` file."""
    payload = {k: (v.detach().cpu().numpy() if torch.is_tensor(v) else np.asarray(v)) for k, v in arrays.items()}
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
        _fail(path, "file not found", hint)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as err:  # zipfile and numpy raise many types for a corrupt file
        _fail(path, f"not a readable .npz file ({type(err).__name__}: {_one_line(err)})", hint)
    missing = [k for k in (*required, "__meta__") if k not in arrays]
    if missing:
        _fail(path, f"missing arrays {missing}", hint)
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except json.JSONDecodeError as err:
        _fail(path, f"unreadable meta data ({err})", hint)
    _check_meta(path, meta, expect, hint)
    return arrays, meta


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
        _fail(path, "checkpoint not found", hint)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a corrupt file
        if "Weights only load failed" in str(err):
            _fail(path, "not a readable checkpoint: it holds Python objects other than tensors and plain "
                  "data, which are refused because loading them could run code", hint)
        _fail(path, f"not a readable checkpoint ({type(err).__name__}: {_one_line(err)})", hint)
    if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
        _fail(path, "not a liegg checkpoint", hint)
    state, spec_json, meta_json = blob.get("state_dict"), blob.get("spec"), blob.get("meta")
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        _fail(path, "holds no weights", hint)
    if not (isinstance(spec_json, str) and isinstance(meta_json, str) and isinstance(blob.get("sha256"), str)):
        _fail(path, "lacks its spec, meta data or checksum", hint)
    if _checkpoint_sha256(state, spec_json, meta_json) != blob["sha256"]:
        _fail(path, "its content does not match its checksum (corrupted file)", hint)
    _check_meta(path, json.loads(meta_json), expect, hint)
    return json.loads(spec_json), state


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


def load_spectrum(path, expect: dict | None = None) -> tuple[Spectrum, dict, dict]:
    """Read a spectrum file: the :class:`Spectrum`, all arrays, and the meta dict."""
    required = ("singular_values", "variances", "generators", "rows")
    arrays, meta = load_arrays(path, required=required, expect=expect)
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


def read_json(path, hint: str = REBUILD_HINT, expect: dict | None = None):
    """Read a JSON file; with ``expect``, it must be an object holding those entries."""
    path = Path(path)
    if not path.is_file():
        _fail(path, "file not found", hint)
    try:
        obj = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        _fail(path, f"not valid JSON ({_one_line(err)})", hint)
    if expect is not None:
        _check_meta(path, obj if isinstance(obj, dict) else {}, expect, hint)
    return obj


def load_dataset(path, expect: dict | None = None) -> dict:
    """Read a dataset written by the workflow: ``x_<split>``, ``y_<split>`` tensors.

    With ``expect``, its meta data (``task``, ``id``...) must hold those entries.
    """
    required = [f"{a}_{s}" for s in ("train", "val", "test") for a in ("x", "y")]
    arrays, meta = load_arrays(path, required=required, expect=expect)
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
        log.warning("%s: unreadable resume file, starting afresh (%s: %s)", path, type(err).__name__, _one_line(err))
        return None
    if saved_key != json.loads(json.dumps(key, sort_keys=True)):
        log.info("%s: saved for other settings, inputs or code; starting afresh", path)
        return None
    return blob["state"]


def _parse_column(values: list[str]):
    """Integers, else floats (an empty cell is NaN), else strings."""
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(v) if v != "" else np.nan for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=str)


def read_table(path, required=(), hint: str = REBUILD_HINT) -> dict:
    """Read a CSV table written by :func:`write_csv` column by column.

    Parameters
    ----------
    path : path-like
    required : sequence of str
        Columns the caller needs; a missing one is a :class:`DataFileError`
        naming the file and the column.

    Returns
    -------
    dict of str to ndarray of shape ``(n_rows,)``
        int64 where every cell is an integer, float64 where every cell is a
        number or empty (NaN), else str.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.csv"
    >>> write_csv(path, [{"run": "a", "depth": 2, "loss": 0.5}, {"run": "b", "depth": 3, "loss": ""}])
    >>> table = read_table(path, required=("depth",))
    >>> table["run"].tolist(), table["depth"].tolist(), table["loss"].tolist()
    (['a', 'b'], [2, 3], [0.5, nan])
    >>> read_table(path, required=("lambda_k",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    liegg.io.DataFileError: ...runs.csv: has no column 'lambda_k' (columns: run, depth, loss); ...
    """
    import csv

    path = Path(path)
    if not path.is_file():
        _fail(path, "is missing", hint)
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    for name in required:
        if name not in columns:
            _fail(path, f"has no column {name!r} (columns: {', '.join(columns)})", hint)
    if not rows:
        _fail(path, "has no rows", hint)
    return {name: _parse_column([row[name] or "" for row in rows]) for name in columns}


def figure_paths(name: str, studies, table: str) -> tuple[list[str], list[Path], Path, Path]:
    """Inputs and outputs of a figure notebook opened by hand (not by snakemake).

    The repository root is the first folder from the working directory up
    that holds a ``Snakefile``. The figure is ``LIEGG_FIGURE`` (default
    ``name``); its studies are ``LIEGG_STUDIES`` (comma-separated), else
    those of ``figures.<figure>.studies`` in ``config/config.yaml``, else
    ``studies``. ``LIEGG_FIGURES`` (a folder) replaces ``figures/``.

    Returns
    -------
    studies, tables, pdf, png
        ``tables[i]`` is ``results/tables/<studies[i]>/<table>``.
    """
    import yaml

    root = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "Snakefile").is_file()), None)
    if root is None:
        raise FileNotFoundError(f"no Snakefile in {Path.cwd()} or above: open this notebook inside the repository")
    name = os.environ.get("LIEGG_FIGURE", "") or name
    config = root / "config" / "config.yaml"
    configured = (yaml.safe_load(config.read_text()) or {}).get("figures", {}) if config.is_file() else {}
    chosen = [s.strip() for s in os.environ.get("LIEGG_STUDIES", "").split(",") if s.strip()]
    studies = chosen or configured.get(name, {}).get("studies") or list(studies)
    figures = Path(os.environ.get("LIEGG_FIGURES", root / "figures"))
    tables = [root / "results" / "tables" / study / table for study in studies]
    return list(studies), tables, figures / f"{name}.pdf", figures / f"{name}.png"
