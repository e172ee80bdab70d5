"""Plain files of a run: atomic writes, JSON records, CSV tables, job logs.

Every writer writes a temporary file and renames it, so an interrupted job
never leaves a truncated file under the final name. Every reader checks what
it reads and raises :class:`DataFileError` naming the file and how to rebuild it.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = [
    "DataFileError",
    "REBUILD_HINT",
    "atomic_path",
    "file_sha256",
    "check_meta",
    "fail",
    "one_line",
    "write_json",
    "read_json",
    "write_csv",
    "read_table",
    "log_to_file",
]

REBUILD_HINT = "delete it and rerun snakemake to rebuild it"


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


def fail(path, what: str, hint: str = REBUILD_HINT):
    """Raise :class:`DataFileError` for ``path``: what is wrong, and the fix."""
    raise DataFileError(f"{path}: {what}; {hint}")


def one_line(err) -> str:
    """The first line of an error message, without terminal colour codes."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()
    return lines[0][:200] if lines else ""


def check_meta(path, meta: dict, expect: dict | None, hint: str = REBUILD_HINT) -> None:
    """Fail unless every ``expect`` entry is in ``meta`` with the same value."""
    for key, value in (expect or {}).items():
        if key not in meta:
            fail(path, f"does not say which {key} it belongs to (expected {value!r})", hint)
        if meta[key] != value:
            fail(path, f"its {key} is {meta[key]!r}, expected {value!r} (a file of another run or kind?)", hint)


def file_sha256(path) -> str:
    """Hex sha256 of a file's bytes."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def write_json(path, obj) -> None:
    """Write JSON atomically, keys sorted, for stable diffs."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path, hint: str = REBUILD_HINT, expect: dict | None = None):
    """Read a JSON file; with ``expect``, it must be an object holding those entries."""
    path = Path(path)
    if not path.is_file():
        fail(path, "file not found", hint)
    try:
        obj = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        fail(path, f"not valid JSON ({one_line(err)})", hint)
    if expect is not None:
        check_meta(path, obj if isinstance(obj, dict) else {}, expect, hint)
    return obj


def write_csv(path, rows: list[dict]) -> None:
    """Write dict rows as CSV (columns in first-row order), atomically.

    Floats are written with ``repr`` so that equal numbers give equal bytes.
    """
    if not rows:
        raise ValueError(f"{path}: no rows to write")
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def read_table(path, required=(), hint: str = REBUILD_HINT) -> dict:
    """Read a CSV table written by :func:`write_csv` column by column (with pandas).

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
    liegg.study.files.DataFileError: ...runs.csv: has no column 'lambda_k' (columns: run, depth, loss); ...
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        fail(path, "is missing", hint)
    try:
        # Only an empty cell is missing: "nan", "NA" or "None" stay as written.
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        fail(path, f"not a readable CSV table ({type(err).__name__}: {one_line(err)})", hint)
    columns = [str(c) for c in frame.columns]
    for name in required:
        if name not in columns:
            fail(path, f"has no column {name!r} (columns: {', '.join(columns)})", hint)
    if frame.empty:
        fail(path, "has no rows", hint)
    table = {}
    for name in columns:
        values = frame[name].to_numpy()
        if values.dtype.kind in "iuf":
            table[name] = values.astype(np.int64 if values.dtype.kind in "iu" else np.float64)
        else:
            table[name] = np.array(["" if v != v else str(v) for v in values], dtype=str)
    return table


def read_rows(path, required=(), hint: str = REBUILD_HINT) -> list[dict]:
    """A CSV table as one dict per row, cells typed as :func:`read_table` types its columns
    (Python ``int``, ``float`` or ``str``), with the same checks and errors.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.csv"
    >>> write_csv(path, [{"run": "a", "depth": 2, "loss": 0.5}, {"run": "b", "depth": 3, "loss": ""}])
    >>> read_rows(path)
    [{'run': 'a', 'depth': 2, 'loss': 0.5}, {'run': 'b', 'depth': 3, 'loss': nan}]
    """
    table = read_table(path, required, hint)
    columns = {name: values.tolist() for name, values in table.items()}
    n_rows = len(next(iter(columns.values())))
    return [{name: values[i] for name, values in columns.items()} for i in range(n_rows)]


def format_number(value, digits: int = 3) -> str:
    """How every table written for reading (Markdown, HTML) shows a cell: integers whole,
    other numbers to ``digits`` significant digits, NaN as ``n/a``, anything else as text.

    Examples
    --------
    >>> [format_number(v) for v in (3, 0.0012345, float("nan"), float("inf"), True, "so2")]
    ['3', '0.00123', 'n/a', 'inf', 'True', 'so2']
    >>> format_number(0.123456, digits=4)
    '0.1235'
    """
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "n/a" if math.isnan(value) else f"{value:.{digits}g}"
    return str(value)


#: The first line a job writes to its log.
JOB_HEADER = "=== {time} UTC: rule {rule} starts ==="


class _Every:
    """Logging filter: the training's epoch lines, at most one per ``seconds`` and the last."""

    def __init__(self, seconds: float):
        self.seconds, self.shown = seconds, -math.inf

    def filter(self, record) -> bool:
        if not hasattr(record, "progress"):
            return False
        now = time.monotonic()
        if record.last or now - self.shown >= self.seconds:
            self.shown = now
            return True
        return False


def progress_to_terminal(label: str, seconds: float = 15.0) -> None:
    """Print a short form of the training's epoch lines on the terminal the workflow runs in
    (the stderr :func:`log_to_file` leaves behind): ``label: epoch 4/20, 3 of 3 networks
    training, at most 1m10s left``, at most one per ``seconds`` and the last."""
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter(f"{label}: %(progress)s"))
    handler.addFilter(_Every(seconds))
    logger = logging.getLogger("liegg.study.training")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def log_to_file(path, rule: str = "?") -> None:
    """Send logging, warnings, stdout and stderr of a workflow job to its log file, after a
    header line with the time and the rule. (Snakemake empties the log of a job it reruns, so
    a resumed job's log is that attempt's; the training log says what it resumed from.)

    Examples
    --------
    >>> JOB_HEADER.format(time="2026-01-01 00:00:00", rule="train_o5")
    '=== 2026-01-01 00:00:00 UTC: rule train_o5 starts ==='
    """
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    header = JOB_HEADER.format(time=now, rule=rule)
    stream = open(path, "a", buffering=1)
    stream.write(header + "\n")
    sys.stdout = sys.stderr = stream
    logging.basicConfig(
        stream=stream, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True
    )
    logging.captureWarnings(True)

