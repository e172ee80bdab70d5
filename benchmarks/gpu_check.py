"""Train a few runs of a study on CUDA and on the CPU; compare speed and results.

For a person with a GPU, once:

    python benchmarks/gpu_check.py                       # default study, 2 seeds
    python benchmarks/gpu_check.py --runs 3 --epochs 20  # quicker or longer

It prints epochs per second on each device and checks that the two devices
agree, in two steps:

1. Extraction: the CPU-trained weights, extracted on CUDA and on the CPU, give
   |lambda_min(cuda) - lambda_min(cpu)| <= TOL_EXTRACT * lambda_max, and the
   most invariant generator of one lies in the span of the k most invariant
   generators of the other (k = dimension of the task's algebra, 10 for so(5)):
   ||P g|| >= 1 - TOL_EXTRACT. Only float32 rounding differs here.
2. Training: the same seed trained on each device follows a different float32
   rounding, so the networks differ a little; both must still learn the same
   symmetry: |lambda_min / lambda_max| agree within TOL_TRAIN and ||P g|| >= 1 - TOL_TRAIN.

The generator of lambda_min is compared through the span because the k smallest
variances of an invariant network are nearly equal, so the single eigenvector
is not unique. Last, it times the seeds of the setting trained together (as the
workflow does: one job, stacked networks) against the same seeds trained one
after the other, on each device. Exit status: 0 all checks pass, 1 a check
failed, 2 no CUDA device.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import yaml

from liegg import algebra_basis
from liegg.study.datasets import make_data
from liegg.study.extraction import extract_run
from liegg.study.runs import train_run, train_runs
from liegg.study.symmetries import get_symmetry, reference_algebra

REPO = Path(__file__).resolve().parents[1]
TOL_EXTRACT = 1e-3
TOL_TRAIN = 0.05


def run_specs(study: dict, runs: int, epochs: int | None) -> list[dict]:
    """The first ``runs`` seeds at the first grid point, as the workflow builds them."""
    model = study["model"]
    training = dict(study["training"], **({"epochs": epochs} if epochs else {}))
    return [
        {
            "task": study["task"],
            "seed": seed,
            "model": {"arch": model["arch"], "depth": model["depth"][0], "width": model["width"][0]},
            "training": training,
            "liegg": study["liegg"],
            "dataset": study["dataset"],
        }
        for seed in study["seeds"][:runs]
    ]


def span_overlap(g: torch.Tensor, generators: torch.Tensor, k: int) -> float:
    """Norm of the projection of the unit generator ``g`` (d, d) onto the span of
    the first ``k`` generators of ``generators`` (D, d, d), which are orthonormal."""
    basis = generators[:k].reshape(k, -1).double()
    return float((basis @ g.reshape(-1).double()).norm())


def compare_extraction(a, b, k: int) -> tuple[float, float, bool]:
    """Spectra ``a`` and ``b`` of the same weights on two devices: |d lambda_min| / lambda_max,
    the overlap of a's most invariant generator with b's k-block, and whether both are within
    TOL_EXTRACT."""
    d_lam = abs(float(a.variances[0] - b.variances[0])) / float(b.variances[-1])
    overlap = span_overlap(a.generators[0], b.generators, k)
    return d_lam, overlap, d_lam <= TOL_EXTRACT and overlap >= 1 - TOL_EXTRACT


def compare_training(a, b, k: int) -> tuple[float, float, bool]:
    """Spectra of the same seed trained on two devices: |d (lambda_min / lambda_max)|, the
    overlap as above, and whether both are within TOL_TRAIN."""
    d_rel = abs(float(a.variances[0] / a.variances[-1] - b.variances[0] / b.variances[-1]))
    overlap = span_overlap(a.generators[0], b.generators, k)
    return d_rel, overlap, d_rel <= TOL_TRAIN and overlap >= 1 - TOL_TRAIN


def train_and_extract(data, spec, device):
    """Train and extract on ``device``: (model, spectrum, epochs per second)."""
    model, record = train_run(data, spec, torch.device(device))
    spectrum, _, _ = extract_run(model, data, spec, device)
    return model, spectrum, spec["training"]["epochs"] / max(record["train_seconds"], 1e-9)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(REPO / "config/config.yaml"))
    parser.add_argument("--study", default=None, help="default: the first study in the config")
    parser.add_argument("--runs", type=int, default=2, help="seeds to train on each device")
    parser.add_argument("--epochs", type=int, default=None, help="override the study's epochs")
    parser.add_argument("--devices", default="cuda,cpu", help="the two devices compared (cuda,cpu)")
    args = parser.parse_args(argv)

    config = yaml.safe_load(Path(args.config).read_text())
    name = args.study or next(iter(config["studies"]))
    study = config["studies"][name]
    fast, reference = args.devices.split(",")
    if "cuda" in (fast, reference) and not torch.cuda.is_available():
        print(
            f"gpu_check: no CUDA device is present: torch {torch.__version__} "
            f"(built for CUDA {torch.version.cuda or 'none: a CPU-only build'}) sees none. "
            "Run this on a machine with an NVIDIA GPU and a CUDA build of torch."
        )
        return 2
    if fast == "cuda":
        print(f"gpu_check: CUDA device {torch.cuda.get_device_name(0)}")
    symmetry = get_symmetry(study["task"], study["dataset"])
    data = make_data(study["task"], **study["dataset"])
    algebra = symmetry.candidates[reference_algebra(study["task"], study["dataset"])]
    k = algebra_basis(algebra, symmetry.action.dim).shape[0]
    print(f"gpu_check: study {name}, {len(data['x_train'])} training samples, k = {k}")
    print(f"{'seed':>4} {'device':>6} {'epochs/s':>10} {'lambda_min':>12} {'lambda_max':>12}")
    failures, speed = [], ([], [])
    for spec in run_specs(study, args.runs, args.epochs):
        seed = spec["seed"]
        results, models = {}, {}
        for role, device in enumerate((fast, reference)):
            models[device], spectrum, eps = train_and_extract(data, spec, device)
            results[device] = spectrum
            speed[role].append(eps)
            lam = spectrum.variances
            print(f"{seed:>4} {device:>6} {eps:>10.1f} {float(lam[0]):>12.4e} {float(lam[-1]):>12.4e}")
        # 1. Same weights (trained on the reference device), extracted on both devices.
        d_lam, overlap, ok = compare_extraction(extract_run(models[reference], data, spec, fast)[0],
                                                results[reference], k)  # fmt: skip
        if not ok:
            failures.append(f"seed {seed} extraction: d_lambda {d_lam:.2e}, overlap {overlap:.6f}")
        print(f"     extraction {fast} vs {reference}: |d lambda_min|/lambda_max {d_lam:.2e}, overlap {overlap:.6f}")
        # 2. Trained on each device.
        d_rel, overlap, ok = compare_training(results[fast], results[reference], k)
        if not ok:
            failures.append(f"seed {seed} training: d(lambda_min/lambda_max) {d_rel:.2e}, overlap {overlap:.6f}")
        print(f"     training   {fast} vs {reference}: |d lambda_min/lambda_max| {d_rel:.2e}, overlap {overlap:.6f}")
    mean = [sum(v) / len(v) for v in speed]
    print(f"gpu_check: epochs/s {fast} {mean[0]:.1f}, {reference} {mean[1]:.1f} (x{mean[0] / mean[1]:.2f})")
    specs = [{k: v for k, v in spec.items() if k not in ("liegg", "dataset")} for spec in run_specs(study, args.runs,
                                                                                                       args.epochs)]
    for device in (fast, reference):
        start = time.perf_counter()
        train_runs(data, specs, torch.device(device))
        together = time.perf_counter() - start
        start = time.perf_counter()
        for spec in specs:
            train_run(data, spec, torch.device(device))
        apart = time.perf_counter() - start
        print(f"gpu_check: {len(specs)} seeds on {device}: together {together:.1f} s, one after the other "
              f"{apart:.1f} s (x{apart / together:.2f})")
    print(f"gpu_check: tolerances: extraction {TOL_EXTRACT}, training {TOL_TRAIN}")
    if failures:
        print("gpu_check: FAILED\n  " + "\n  ".join(failures))
        return 1
    print("gpu_check: devices agree")
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    status = main()
    print(f"gpu_check: {time.perf_counter() - start:.0f} s")
    sys.exit(status)
