"""Where a result came from: code version, software, machine, and the files read.

A provenance record is a JSON-able dict stored next to every run record. It
holds volatile facts (commit, wall time, date), so it never goes into the
tables that must stay byte-identical between two runs of one config.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import time
import zipfile
from importlib import metadata
from pathlib import Path

from .files import file_sha256

__all__ = ["UNKNOWN", "git_state", "file_record", "package_versions", "device_info", "collect", "flatten"]

UNKNOWN = "unknown"
PACKAGES = ("torch", "numpy", "matplotlib", "snakemake", "jupytext")


def _git(root, *args) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state(root=".") -> dict:
    """The commit checked out at ``root`` and whether tracked files differ from it.

    Returns ``{"commit": sha or "unknown", "dirty": bool or "unknown"}``;
    "unknown" when ``root`` is not in a git checkout or git is missing.
    Untracked files (results, logs) do not count as dirty.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:  # not a checkout (unless /tmp is in one)
    ...     sorted(git_state(tmp))
    ['commit', 'dirty']
    """
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return {"commit": UNKNOWN, "dirty": UNKNOWN}
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": UNKNOWN if status is None else bool(status)}


def file_record(path) -> dict:
    """Path, size and SHA-256 of a file read; for an ``.npz`` written by
    :func:`liegg.study.arrays.save_arrays`, also the ``meta`` it carries (the settings
    that made it)."""
    path = Path(path)
    record = {"path": str(path), "bytes": path.stat().st_size, "sha256": file_sha256(path)}
    if path.suffix == ".npz":
        try:
            with zipfile.ZipFile(path) as zf, zf.open("__meta__.npy") as fh:
                import numpy as np

                record["meta"] = json.loads(str(np.load(fh, allow_pickle=False)))
        except (KeyError, ValueError, OSError, zipfile.BadZipFile):
            pass
    return record


def package_versions(packages=PACKAGES) -> dict:
    """Installed versions of Python, liegg and ``packages`` ("unknown" if absent).

    Examples
    --------
    >>> sorted(package_versions(("numpy",)))
    ['liegg', 'numpy', 'python']
    """
    from .. import __version__

    versions = {"python": platform.python_version(), "liegg": __version__}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = UNKNOWN
    return versions


def device_info(device="cpu") -> dict:
    """The device a job ran on, with the GPU's name or the CPU's architecture, and whether it
    computes bfloat16 natively (:func:`liegg.study.devices.bf16_support`)."""
    import torch

    from .devices import bf16_support

    device = str(device)
    info = {"device": device, "platform": platform.platform(), "cpu_count": os.cpu_count()}
    if device.startswith("cuda"):
        info["device_name"] = torch.cuda.get_device_name(torch.device(device))
    else:
        info["device_name"] = platform.processor() or platform.machine()
    info["bf16"] = bf16_support(torch.device(device))
    # CPU results depend on it: a convolution's weight gradient is summed in another order
    info["torch_threads"] = torch.get_num_threads()
    return info


def collect(inputs: dict, config: dict, device="cpu", started: float | None = None, root=".") -> dict:
    """Provenance of one job.

    Parameters
    ----------
    inputs : dict
        ``{name: path}`` of the files the job read; each gets a :func:`file_record`.
    config : dict
        The config values that made the result.
    device : str or torch.device
    started : float, optional
        ``time.perf_counter()`` at the job's start; gives ``wall_seconds``.
    root : path
        Where to look for the git checkout.

    Returns
    -------
    dict with ``config, inputs, git, versions, device, wall_seconds, finished_utc``.
    """
    return {
        "config": config,
        "inputs": {name: file_record(path) for name, path in inputs.items()},
        "git": git_state(root),
        "versions": package_versions(),
        "device": device_info(device),
        "wall_seconds": None if started is None else time.perf_counter() - started,
        "finished_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def flatten(value, prefix: str = "") -> dict:
    """Nested dicts as one level with dotted keys; lists become JSON strings.

    Examples
    --------
    >>> flatten({"model": {"depth": 2, "width": [8, 16]}, "seed": 0})
    {'model.depth': 2, 'model.width': '[8, 16]', 'seed': 0}
    """
    flat = {}
    for key in sorted(value):
        name = f"{prefix}{key}"
        item = value[key]
        if isinstance(item, dict):
            flat.update(flatten(item, f"{name}."))
        elif isinstance(item, (list, tuple)):
            flat[name] = json.dumps(list(item))
        else:
            flat[name] = item
    return flat
