"""The default study (and config/large.yaml) on a machine with one GPU: wall time, GPU use,
and agreement with a CPU run; then, in the time left, the same config on the machine's CPU cores.

    python benchmarks/gpu_study.py                       # default config, within 8 minutes
    python benchmarks/gpu_study.py --budget 1800 --configs config/config.yaml config/large.yaml

For each config it runs ``snakemake --cores all`` afresh in a copy of the repository
(``device: auto``, so training and extraction run on CUDA), samples the GPU's utilisation
with ``nvidia-smi`` once a second, and prints the wall time, the mean and largest
utilisation and, per study, how the runs compare with the CPU run's tables committed in
benchmarks/cpu_reference (the default config's runs.csv, from a 2-core CPU run): the
largest difference in test accuracy (or test loss) and in lambda_min relative to the mean
variance, run by run, and whether each GPU value lies inside the CPU seed range widened by
0.01. A config that does not finish within the budget is stopped; the jobs it finished are
reported, and the rest is said to be missing. With time left, the first config runs again
with ``device: cpu`` on all CPU cores. Goals: the default config in 5 minutes,
config/large.yaml in 30. Exit status 2 without a CUDA device.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(REPO / "src"))

from liegg.study.files import read_rows  # noqa: E402

REFERENCE = REPO / "benchmarks/cpu_reference"
COPIED = ("Snakefile", "config", "workflow", "profiles", "src", "envs", "data", "pyproject.toml")


def sample_utilisation(samples: list, stop: threading.Event) -> None:
    while not stop.is_set():
        out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            samples.append(float(out.stdout.split()[0]))
        stop.wait(1.0)


def by_run(path: Path) -> dict:
    return {r["run"]: r for r in read_rows(path)}


def compare(tables: Path, reference: Path) -> None:
    """Per study: the largest differences from the CPU run, and how many runs lie in its seed range."""
    for study in sorted(p.name for p in reference.iterdir() if (p / "runs.csv").is_file()):
        if not (tables / study / "runs.csv").is_file():
            print(f"  {study}: not finished")
            continue
        new, cpu = by_run(tables / study / "runs.csv"), by_run(reference / study / "runs.csv")
        score = "test_accuracy" if "test_accuracy" in next(iter(cpu.values())) else "test_loss"
        shared = [r for r in new if r in cpu]
        d_score = max(abs(new[r][score] - cpu[r][score]) for r in shared)
        d_lam = max(abs(new[r]["rel_lambda_min"] - cpu[r]["rel_lambda_min"]) for r in shared)
        inside = 0
        for r in shared:  # the CPU seeds of the same setting
            setting = r.rsplit("-s", 1)[0]
            values = [row[score] for run, row in cpu.items() if run.rsplit("-s", 1)[0] == setting]
            inside += min(values) - 0.01 <= new[r][score] <= max(values) + 0.01
        print(f"  {study}: {len(shared)} runs; largest |d {score}| {d_score:.4f}, largest |d rel_lambda_min| "
              f"{d_lam:.3g}; {inside} of {len(shared)} inside the CPU seed range +- 0.01")


def run_config(config: str, extra: list[str], budget: float) -> tuple:
    """Run a config afresh in a copy (at most ``budget`` seconds): wall time, GPU samples, exit code."""
    workdir = Path(tempfile.mkdtemp(prefix="liegg-gpu-"))
    for name in COPIED:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, workdir / name)
    samples, stop = [], threading.Event()
    sampler = threading.Thread(target=sample_utilisation, args=(samples, stop), daemon=True)
    sampler.start()
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "snakemake", "--cores", "all", "--configfile", config, *extra]
    try:
        code = subprocess.run(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                              timeout=max(budget, 1)).returncode  # fmt: skip
    except subprocess.TimeoutExpired:
        code = None
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    return wall, samples, code, workdir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["config/config.yaml"])
    parser.add_argument("--budget", type=float, default=450, help="seconds for all runs together (default 450)")
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
    deadline = time.perf_counter() + args.budget
    for i, config in enumerate(args.configs):
        wall, samples, code, workdir = run_config(config, [], deadline - time.perf_counter())
        finished = "stopped at the budget" if code is None else f"exit {code}"
        mean = sum(samples) / len(samples) if samples else float("nan")
        jobs = len(list((workdir / "results/benchmarks").glob("*/**/*.tsv")))
        print(f"gpu_study: {config}: {finished}, {wall:.0f} s wall ({wall / 60:.1f} min), {jobs} benchmarked jobs "
              f"done; GPU utilisation mean {mean:.0f} %, max {max(samples, default=float('nan')):.0f} % "
              f"({len(samples)} samples)")  # fmt: skip
        if i == 0:
            compare(workdir / "results/tables", REFERENCE)
    left = deadline - time.perf_counter()
    if left > 60:
        wall, _, code, workdir = run_config(args.configs[0], ["--config", "device=cpu"], left)
        finished = "stopped at the budget" if code is None else f"exit {code}"
        print(f"gpu_study: {args.configs[0]} on {os.cpu_count()} CPU cores: {finished}, {wall:.0f} s wall")
    else:
        print(f"gpu_study: no time left for the CPU run ({left:.0f} s of the budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
