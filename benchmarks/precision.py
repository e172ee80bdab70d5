"""Training steps in float32 and under bfloat16 autocast, for every network a config trains.

    python benchmarks/precision.py                       # the networks of config/config.yaml
    python benchmarks/precision.py --configfile config/large.yaml --threads 4

Each distinct network (architecture, depth, width, batch size, seeds trained
together) takes training steps as the workflow's jobs take them
(``liegg.study.training``: stacked MLPs, CNNs one after the other, AdamW),
on random data of the task's shape. The two precisions alternate in rounds in
this one process, so both see the same machine and the same load; the
median step time of each is printed with the ratio fp32 / bf16 (above 1: bf16
is faster), and the rule ``training.precision: auto`` applies
(:func:`liegg.study.devices.pays_in_bf16`). Name the CPU (``lscpu``) beside
the numbers: the ratio depends on whether it runs bfloat16 natively.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import torch
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from liegg.study.devices import bf16_support, pays_in_bf16  # noqa: E402
from liegg.study.models import build_model  # noqa: E402
from liegg.study.training import _losses, _stack  # noqa: E402

SHAPES = {"rotmnist": ((28, 28), 10), "o5": ((10,), 1), "lorentz": ((16,), 1), "so3": ((9,), 1)}


def networks(config: dict) -> list[dict]:
    """One entry per distinct network of the config's end-to-end trained studies."""
    found = {}
    for study in config["studies"].values():
        model, training = study["model"], study["training"]
        if training.get("regime", ["end_to_end"]) != ["end_to_end"]:
            continue
        grid = [model.get(k, [None]) for k in ("depth", "width", "kernel_size")]
        for depth, width, kernel in itertools.product(*grid):
            spec = {"arch": model["arch"], "depth": depth, "width": width}
            if kernel is not None:
                spec["kernel_size"] = kernel
            channels = 3 if study["dataset"].get("colour") else 1
            key = (study["task"], channels, tuple(spec.items()), training["batch_size"], len(study["seeds"]))
            found[key] = {"task": study["task"], "channels": channels, "model": spec,
                          "batch_size": training["batch_size"], "seeds": len(study["seeds"])}  # fmt: skip
    return list(found.values())


def input_shape(net: dict) -> tuple:
    """One sample's shape: the task's, with the channels first for coloured digits."""
    shape = SHAPES[net["task"]][0]
    return shape if net["channels"] == 1 else (net["channels"], *shape)


def step_seconds(net: dict, precision: str, steps: int) -> float:
    """Median seconds of one training step of the net's seeds together."""
    shape, classes = input_shape(net), SHAPES[net["task"]][1]
    n_in = int(torch.tensor(shape).prod())
    models = [build_model(net["model"], n_in, classes, in_channels=net["channels"]) for _ in range(net["seeds"])]
    stack = _stack(models)
    opt = torch.optim.AdamW(stack.trainable(), lr=1e-3)
    batch = net["batch_size"]
    x = torch.randn(net["seeds"], batch, *shape)
    y = torch.randint(classes, (net["seeds"], batch)) if classes > 1 else torch.randn(net["seeds"], batch, 1)
    loss = "cross_entropy" if classes > 1 else "mse"
    stepped = list(range(net["seeds"]))
    times = []
    for _ in range(steps + 2):  # the first two warm up
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            losses = _losses(stack.forward(x, stepped).float(), y, loss)
        losses.sum().backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times[2:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default=str(REPO / "config/config.yaml"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a workflow job has 1 by default)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(Path(args.configfile).read_text())
    support = bf16_support(torch.device("cpu"))
    print(f"CPU bfloat16: {support}; torch {torch.__version__}, {args.threads} thread(s)")
    print(f"{'task':9} {'network':26} {'batch':>5} {'seeds':>5} {'fp32 ms':>8} {'bf16 ms':>8} {'fp32/bf16':>9}  auto")
    for net in networks(config):
        timed = {"fp32": [], "bf16": []}
        for _ in range(args.rounds):
            for precision in timed:
                timed[precision].append(step_seconds(net, precision, args.steps))
        fp32, bf16 = (statistics.median(timed[p]) * 1e3 for p in ("fp32", "bf16"))
        name = f"{net['model']['arch']} depth {net['model']['depth']} width {net['model']['width']}"
        n_in = int(torch.tensor(input_shape(net)).prod())
        auto = "bf16" if support == "native" and pays_in_bf16(net["model"], n_in) else "fp32"
        task = net["task"] if net["channels"] == 1 else f"{net['task']}/{net['channels']}"
        print(f"{task:9} {name:26} {net['batch_size']:>5} {net['seeds']:>5} {fp32:8.2f} {bf16:8.2f} "
              f"{fp32 / bf16:9.2f}  {auto}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
