"""Training speed of the CNN on a CPU: the options, each as a ratio to the config's
setting measured in the same run.

    python benchmarks/cnn_speed.py                       # the reference CNN, 3 blocks x 32 channels
    python benchmarks/cnn_speed.py --depth 2 --width 8 --steps 60
    python benchmarks/cnn_speed.py --compile             # also torch.compile (minutes to compile)

Every option trains the same network on random 28x28 digits with AdamW and
reports samples per second. The baseline is what the workflow does: batch 64,
channels-last memory, one thread (two training jobs share the two cores).
The options change one thing each: the default (NCHW) memory layout, the batch
size, two threads, ``torch.compile``; and three seeds stepped in one loop, as
:func:`liegg.study.training.fit_together` steps the seeds of a CNN setting.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from liegg.study.models import CNN  # noqa: E402


def samples_per_second(models, batch, steps, compiled=False):
    """Samples per second of ``steps`` AdamW steps of all ``models``, each on its own batch."""
    x = torch.randn(len(models), batch, 1, 28, 28)
    y = torch.randint(0, 10, (len(models), batch))
    calls = [torch.compile(m) if compiled else m for m in models]
    opt = torch.optim.AdamW([p for m in models for p in m.parameters()], lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        losses = [nn.functional.cross_entropy(call(xi), yi) for call, xi, yi in zip(calls, x, y)]
        torch.stack(losses).sum().backward()
        opt.step()

    for _ in range(3):  # warm-up (and compilation)
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return len(models) * steps * batch / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile)")
    args = parser.parse_args(argv)

    def nets(n, memory_format=torch.channels_last):
        out = []
        for seed in range(n):
            torch.manual_seed(seed)
            net = CNN(784, 10, args.width, args.depth, 3)
            net.memory_format = memory_format
            out.append(net.to(memory_format=memory_format))
        return out

    torch.set_num_threads(1)
    base = samples_per_second(nets(1), 64, args.steps)
    print(f"CNN {args.depth} x {args.width}: baseline (batch 64, channels-last, 1 thread): {base:.0f} samples/s")
    options = [
        ("NCHW memory", lambda: samples_per_second(nets(1, torch.contiguous_format), 64, args.steps), 1),
        ("batch 32", lambda: samples_per_second(nets(1), 32, 2 * args.steps), 1),
        ("batch 128", lambda: samples_per_second(nets(1), 128, args.steps // 2), 1),
        ("batch 256", lambda: samples_per_second(nets(1), 256, args.steps // 4), 1),
        ("2 threads", lambda: samples_per_second(nets(1), 64, args.steps), 2),
        ("2 threads, batch 256", lambda: samples_per_second(nets(1), 256, args.steps // 4), 2),
        ("3 seeds in one loop", lambda: samples_per_second(nets(3), 64, args.steps), 1),
    ]
    if args.compile:
        options.append(("torch.compile", lambda: samples_per_second(nets(1), 64, args.steps, compiled=True), 1))
    for name, measure, threads in options:
        torch.set_num_threads(threads)
        rate = measure()
        print(f"  {name:32s} {rate:8.0f} samples/s  ratio {rate / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
