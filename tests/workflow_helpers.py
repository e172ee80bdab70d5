"""Run the workflow in a throwaway copy of the repository."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def load_script(relative_path: str):
    """A script of the repository (benchmarks, schema tools) imported as a module by its path."""
    import importlib.util

    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # a dataclass of the script looks its module up there
    spec.loader.exec_module(module)
    return module
COPIED = ["Snakefile", "config", "workflow", "profiles", "src", "envs", "data", "pyproject.toml"]
SMOKE = ("--configfile", "config/smoke.yaml")
# Run as a reviewer would: go on with independent jobs, show failed logs, and
# rerun what a killed run left incomplete (also in the default profile).
FLAGS = ("--keep-going", "--show-failed-logs", "--rerun-incomplete")


def copy_repo(dest: Path) -> Path:
    """Copy what the workflow needs (no results, logs or caches) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".snakemake", "results", "logs")
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def clone(finished: Path, dest: Path) -> Path:
    """Copy a finished workdir, keeping modification times and Snakemake's metadata."""
    shutil.copytree(finished, dest, symlinks=True)
    return dest


@contextlib.contextmanager
def edited(path: Path):
    """Append a comment to a file for the duration; restore its text and mtime,
    so that a finished run stays up to date for the tests that follow."""
    original, stat = path.read_text(), path.stat()
    try:
        path.write_text(original + "\n# edited\n")
        yield
    finally:
        path.write_text(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def by_family(jobs: dict[str, int]) -> dict[str, int]:
    """Job counts with the per-study rules summed by family: train_<study> -> train,
    compute_spectra_<study> -> compute_spectra, compute_layer_spectra_<study> -> compute_layer_spectra."""
    out: dict[str, int] = {}
    for rule, count in jobs.items():
        for family in ("compute_layer_spectra", "compute_spectra", "train"):
            if rule.startswith(family + "_"):
                rule = family
                break
        out[rule] = out.get(rule, 0) + count
    return out


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` with this interpreter's installation."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def planned_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """Jobs a dry run would run, as {rule: count} (empty when nothing is to be done)."""
    proc = snakemake(workdir, "-n", *args)
    out = proc.stdout + proc.stderr
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:", 1)[1]
    jobs = {}
    for line in table.splitlines()[3:]:
        match = re.fullmatch(r"\s*(\w+)\s+(\d+)\s*", line)
        if not match or match.group(1) == "total":
            break
        jobs[match.group(1)] = int(match.group(2))
    return jobs
