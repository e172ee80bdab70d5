"""The default study (and config/large.yaml) on a machine with one GPU: wall time, GPU use,
and agreement with a CPU run.

    python benchmarks/gpu_study.py --cpu-tables /path/to/cpu/results/tables      # default config
    python benchmarks/gpu_study.py --configs config/config.yaml config/large.yaml

For each config it runs ``snakemake --cores all`` afresh in a copy of the repository
(``device: auto``, so training and extraction run on CUDA), samples the GPU's utilisation
with ``nvidia-smi`` once a second, and prints the wall time, the mean and largest
utilisation and, given the tables of a CPU run of the same config, per study the largest
difference in test accuracy (or test loss) and in lambda_min relative to lambda_max, run by
run. Goals: the default config in 5 minutes, config/large.yaml in 30. Exit status 2 without
a CUDA device.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
COPIED = ("Snakefile", "config", "workflow", "profiles", "src", "envs", "data", "pyproject.toml")


def sample_utilisation(samples: list, stop: threading.Event) -> None:
    while not stop.is_set():
        out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            samples.append(float(out.stdout.split()[0]))
        stop.wait(1.0)


def rows(path: Path) -> dict:
    with open(path, newline="") as fh:
        return {r["run"]: r for r in csv.DictReader(fh)}


def compare(gpu_tables: Path, cpu_tables: Path) -> None:
    for study in sorted(p.name for p in gpu_tables.iterdir() if (p / "runs.csv").is_file()):
        if not (cpu_tables / study / "runs.csv").is_file():
            continue
        gpu, cpu = rows(gpu_tables / study / "runs.csv"), rows(cpu_tables / study / "runs.csv")
        score = "test_accuracy" if "test_accuracy" in next(iter(gpu.values())) else "test_loss"
        d_score = max(abs(float(gpu[r][score]) - float(cpu[r][score])) for r in gpu if r in cpu)
        d_lam = max(abs(float(gpu[r]["rel_lambda_min"]) - float(cpu[r]["rel_lambda_min"])) for r in gpu if r in cpu)
        print(f"  {study}: largest |d {score}| {d_score:.4f}, largest |d rel_lambda_min| {d_lam:.3g}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["config/config.yaml"])
    parser.add_argument("--cpu-tables", type=Path, help="results/tables of a CPU run of the first config")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print(f"gpu_study: no CUDA device is present (torch {torch.__version__}); run this on a GPU machine")
        return 2
    print(f"gpu_study: {torch.cuda.get_device_name(0)}")
    # The CUDA tests first, required to run: on a GPU machine a skip would hide a broken device path.
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_devices.py"], cwd=REPO,
                           env={**os.environ, "LIEGG_REQUIRE_CUDA": "1"}, capture_output=True, text=True)
    print(f"gpu_study: tests/test_devices.py with LIEGG_REQUIRE_CUDA=1: {tests.stdout.strip().splitlines()[-1]}")
    if tests.returncode:
        print(tests.stdout[-3000:])
        return 1
    for i, config in enumerate(args.configs):
        workdir = Path(tempfile.mkdtemp(prefix="liegg-gpu-"))
        for name in COPIED:
            (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, workdir / name)
        samples, stop = [], threading.Event()
        sampler = threading.Thread(target=sample_utilisation, args=(samples, stop), daemon=True)
        sampler.start()
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "all", "--configfile", config],
                              cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        mean = sum(samples) / len(samples) if samples else float("nan")
        print(f"gpu_study: {config}: exit {proc.returncode}, {wall:.0f} s wall ({wall / 60:.1f} min); GPU "
              f"utilisation mean {mean:.0f} %, max {max(samples, default=float('nan')):.0f} % ({len(samples)} samples)")
        if i == 0 and args.cpu_tables:
            compare(workdir / "results/tables", args.cpu_tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
