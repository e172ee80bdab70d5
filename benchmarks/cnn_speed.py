"""Training speed of the CNN on a CPU: the options, each as a ratio to a plain baseline
measured in the same run.

    python benchmarks/cnn_speed.py                       # the reference CNN, 3 blocks x 32 channels
    python benchmarks/cnn_speed.py --depth 2 --width 16 --steps 40

Every option trains the same network on random 28x28 digits for the same
number of steps and reports samples per second: the baseline is one network,
batch 128, one thread, an ``nn.Module`` step; then channels-last memory,
batch 256, two threads, ``torch.compile``, and three seeds trained together
(stacked, as :func:`liegg.study.training.fit_together` does) against three
trained one after the other.
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
from liegg.study.training import _losses, _Stacked  # noqa: E402


def plain_steps(models, batch, steps, channels_last=False, compiled=False):
    """Samples per second of ``steps`` AdamW steps of each model in turn."""
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
        models = [m.to(memory_format=torch.channels_last) for m in models]
    calls = [torch.compile(m) if compiled else m for m in models]
    opts = [torch.optim.AdamW(m.parameters(), lr=1e-3) for m in models]

    def step(call, opt):
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(call(x), y).backward()
        opt.step()

    for call, opt in zip(calls, opts):  # warm-up (and compilation)
        step(call, opt)
    start = time.perf_counter()
    for call, opt in zip(calls, opts):
        for _ in range(steps):
            step(call, opt)
    return len(models) * steps * batch / (time.perf_counter() - start)


def stacked_steps(models, batch, steps):
    """Samples per second of ``steps`` steps of all models at once (one batched call)."""
    stack = _Stacked(models)
    opt = torch.optim.AdamW(stack.trainable(), lr=1e-3)
    x = torch.randn(len(models), batch, 1, 28, 28)
    y = torch.randint(0, 10, (len(models), batch))

    def step():
        opt.zero_grad(set_to_none=True)
        _losses(stack.forward(x), y, "cross_entropy").sum().backward()
        opt.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return len(models) * steps * batch / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile)")
    args = parser.parse_args(argv)

    def nets(n):
        out = []
        for seed in range(n):
            torch.manual_seed(seed)
            out.append(CNN(784, 10, args.width, args.depth, 3))
        return out

    torch.set_num_threads(1)
    base = plain_steps(nets(1), 128, args.steps)
    print(f"CNN {args.depth} x {args.width}: baseline (1 network, batch 128, 1 thread): {base:.0f} samples/s")
    options = [
        ("channels-last", lambda: plain_steps(nets(1), 128, args.steps, channels_last=True), 1),
        ("batch 256", lambda: plain_steps(nets(1), 256, args.steps), 1),
        ("2 threads", lambda: plain_steps(nets(1), 128, args.steps), 2),
        ("2 threads, batch 256", lambda: plain_steps(nets(1), 256, args.steps), 2),
        ("3 seeds one after the other", lambda: plain_steps(nets(3), 128, args.steps), 1),
        ("3 seeds stacked", lambda: stacked_steps(nets(3), 128, args.steps), 1),
        ("1 seed stacked", lambda: stacked_steps(nets(1), 128, args.steps), 1),
    ]
    if args.compile:
        options.append(("torch.compile", lambda: plain_steps(nets(1), 128, args.steps, compiled=True), 1))
    for name, measure, threads in options:
        torch.set_num_threads(threads)
        rate = measure()
        print(f"  {name:32s} {rate:8.0f} samples/s  ratio {rate / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
