"""A finished workflow run against its compute floor, and the share of its time spent outside the work.

    python benchmarks/compute_floor.py --run                  # run the default config afresh in a copy, then measure
    python benchmarks/compute_floor.py --run --configfile config/smoke.yaml
    python benchmarks/compute_floor.py --workdir . --wall-seconds 1234   # measure a run already done here

The floor is the config's arithmetic at the rates torch reaches on this machine,
measured in this same process with as many threads as the run had cores:

* FLOPs of every run, counted by ``torch.utils.flop_counter.FlopCounterMode``
  on the run's own network: one training step (forward and backward) times the
  steps it took, one validation pass per epoch, and its LieGG extraction
  (the polarization rows of one chunk, times the rows it had);
* matrix products at the rate of a large float32 matmul, convolutions at the
  rate of a 3x3 convolution (forward and backward) like the CNNs', everything
  else counted at neither (elementwise work is real time the floor leaves out).

It prints the wall time over the floor, and the share of the jobs' time spent
outside training and extraction (interpreter and torch start-up, imports,
file reading and writing): one minus the in-process training and extraction
seconds the records hold over the wall seconds of all jobs (their benchmark
files).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from liegg.polarization import polarization_gram  # noqa: E402
from liegg.study.files import read_rows  # noqa: E402
from liegg.study.models import Standardized, build_from_architecture  # noqa: E402
from liegg.study.symmetries import task_action  # noqa: E402

MATMUL_OPS = ("mm", "addmm", "bmm", "baddbmm", "matmul", "linear")
CONV_OPS = ("convolution", "convolution_backward", "_convolution", "conv2d")


def split_flops(mode: FlopCounterMode) -> tuple[float, float]:
    """(matmul FLOPs, convolution FLOPs) counted by a FlopCounterMode."""
    counts = mode.get_flop_counts().get("Global", {})
    matmul = conv = 0.0
    for op, flops in counts.items():
        # keys are op packets ("aten.mm") or overloads ("aten.mm.default")
        parts = str(op).split(".")
        name = parts[1] if len(parts) > 1 else parts[0]
        if name in MATMUL_OPS:
            matmul += flops
        elif name in CONV_OPS:
            conv += flops
    return matmul, conv


def run_flops(record: dict, summary: dict, liegg: dict) -> tuple[float, float, float, float]:
    """(training matmul, training conv, extraction matmul, extraction conv) FLOPs of one run."""
    arch = record["architecture"]
    spec = record["spec"]
    model = Standardized(build_from_architecture(arch), 0.0, 1.0)
    channels = arch.get("in_channels", 1)  # coloured digits: (3, 28, 28)
    side = int(round((arch["in_features"] / channels) ** 0.5))
    shape = (side, side) if channels == 1 else (channels, side, side)
    shape = shape if spec["task"] == "rotmnist" else (arch["in_features"],)
    batch = spec["training"]["batch_size"]
    x = torch.randn(batch, *shape)
    classification = spec["task"] == "rotmnist"
    y = torch.randint(0, arch["out_features"], (batch,)) if classification else torch.randn(batch, arch["out_features"])
    loss_fn = torch.nn.functional.cross_entropy if classification else torch.nn.functional.mse_loss
    with FlopCounterMode(display=False) as step:
        loss_fn(model(x), y).backward()
    with FlopCounterMode(display=False) as forward, torch.no_grad():
        model(x)
    epochs = len(record["history"])
    steps = epochs * math.ceil(record["n_train"] / batch)
    # validation: one forward pass per epoch over the validation split (size from the record's scores)
    n_val = record.get("n_val", 0) or batch
    train_mm, train_conv = (v * steps for v in split_flops(step))
    fwd_mm, fwd_conv = (v * epochs * n_val / batch for v in split_flops(forward))
    chunk = torch.randn(8, *shape)
    action = task_action(spec["task"], liegg.get("action"), spec.get("dataset"))
    with FlopCounterMode(display=False) as extract:
        polarization_gram(model, chunk, action, outputs=liegg["outputs"], normalize=liegg["normalize"])
    samples = summary["rows"] / (arch["out_features"] if liegg["outputs"] == "each" else 1)
    ext_mm, ext_conv = (v * samples / len(chunk) for v in split_flops(extract))
    return train_mm + fwd_mm, train_conv + fwd_conv, ext_mm, ext_conv


def _best_rate(step, flops: float, windows: int = 5, seconds: float = 1.0) -> float:
    """FLOP/s of ``step`` in its fastest of several timing windows: the floor is the rate
    the machine reaches, and one window can be slowed by anything else running."""
    for _ in range(3):
        step()
    best = 0.0
    for _ in range(windows):
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            step()
            n += 1
        best = max(best, n * flops / (time.perf_counter() - start))
    return best


def rates(threads: int) -> tuple[float, float]:
    """FLOP/s of a large float32 matmul and of a 3x3 convolution (forward and backward)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    matmul = _best_rate(lambda: a @ b, 2 * 1024**3)
    conv = torch.nn.Conv2d(32, 32, 3, padding=1)
    x = torch.randn(128, 32, 14, 14, requires_grad=True)
    with FlopCounterMode(display=False) as mode:
        conv(x).sum().backward()
    return matmul, _best_rate(lambda: conv(x).sum().backward(), sum(split_flops(mode)))


def measure(workdir: Path, wall: float, cores: int) -> None:
    config_runs = sorted((workdir / "results/runs").glob("*/*/train.json"))
    totals = [0.0, 0.0, 0.0, 0.0]
    inside = 0.0
    for record_path in config_runs:
        record = json.loads(record_path.read_text())
        summary = json.loads(record_path.with_name("liegg.json").read_text())
        liegg = summary["provenance"]["config"]["liegg"]
        record["n_val"] = _split_size(workdir, record)
        for i, value in enumerate(run_flops(record, summary, liegg)):
            # A reused run's network trained once, in another study: count only its extraction.
            if i >= 2 or "reused_from" not in record:
                totals[i] += value
        inside += record["train_seconds"] + summary["extract_seconds"]
    jobs = read_rows(workdir / "results/tables/runtimes.csv")
    job_seconds = sum(float(j["seconds"]) for j in jobs)
    matmul_rate, conv_rate = rates(cores)
    train_floor = totals[0] / matmul_rate + totals[1] / conv_rate
    extract_floor = totals[2] / matmul_rate + totals[3] / conv_rate
    floor = train_floor + extract_floor
    print(f"runs: {len(config_runs)}; jobs with a benchmark record (training, extraction): {len(jobs)}; cores: {cores}")
    rate_text = f"matmul {matmul_rate / 1e9:.1f} GFLOP/s, 3x3 conv {conv_rate / 1e9:.1f} GFLOP/s"
    print(f"rates here ({cores} threads): {rate_text}")
    parts = (("training:  ", totals[:2], train_floor), ("extraction:", totals[2:], extract_floor))
    for label, (matmul, conv), part in parts:
        print(f"{label} {matmul / 1e12:.2f} TFLOP matmul + {conv / 1e12:.2f} TFLOP conv -> floor {part:.0f} s")
    print(f"wall time {wall:.0f} s against a compute floor of {floor:.0f} s: ratio {wall / floor:.2f}")
    outside = 1 - inside / job_seconds
    print(
        f"job seconds {job_seconds:.0f} (sum over jobs), of which training and extraction in-process {inside:.0f}: "
        f"{100 * outside:.1f} % outside (start-up, imports, I/O)"
    )


def _split_size(workdir: Path, record: dict) -> int:
    """Validation samples of the run's dataset (from its provenance)."""
    meta = record["provenance"]["inputs"]["data"].get("meta", {})
    return int(meta.get("n_val", 0))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="store_true", help="run the workflow afresh in a copy of the repository first")
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--workdir", type=Path, help="a repository with a finished run (without --run)")
    parser.add_argument("--wall-seconds", type=float, help="the wall time of that run (without --run)")
    args = parser.parse_args(argv)
    if args.run:
        workdir = Path(tempfile.mkdtemp(prefix="liegg-floor-"))
        for name in ("Snakefile", "config", "workflow", "src", "envs", "data", "pyproject.toml"):
            (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, workdir / name)
        start = time.perf_counter()
        cmd = [sys.executable, "-m", "snakemake", "--cores", str(args.cores), "--configfile", args.configfile]
        subprocess.run(cmd, cwd=workdir, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        print(f"snakemake --cores {args.cores} --configfile {args.configfile}: {wall:.0f} s wall (copy in {workdir})")
    else:
        if args.workdir is None or args.wall_seconds is None:
            parser.error("give --run, or --workdir and --wall-seconds")
        workdir, wall = args.workdir, args.wall_seconds
    measure(workdir, wall, args.cores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
