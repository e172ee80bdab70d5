"""Training and extraction speed of the CNN on a CPU: the options, each as a ratio to
the config's setting measured in the same run.

    python benchmarks/cnn_speed.py                       # the reference CNN, 3 blocks x 32 channels
    python benchmarks/cnn_speed.py --depth 2 --width 8 --steps 60
    python benchmarks/cnn_speed.py --compile             # also torch.compile (a minute to compile)

Every option trains the same network on random 28x28 digits with AdamW. The
baseline is what the workflow does: batch 64, channels-last memory, one thread
(two training jobs share the two cores). The options change one thing each:
the default (NCHW) memory layout, the batch size, two threads,
``torch.compile``, no batch normalisation (the CNN before it had one), pooling
before normalisation and Swish (a cheaper order, not the workflow's); and three
seeds stepped in one loop, as
:func:`liegg.study.training.fit_together` steps the seeds of a CNN setting.
Then LieGG's polarization Gram matrix of the same network on 2000 digits (the
rotation MNIST settings: summed, normalised logits) in chunks of 2000 (the
baseline), 512, 128 and 64 digits.

The speed of this machine drifts by up to 2x within a minute, so the options
are timed in turns, a window each per round, and each keeps its fastest window.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from liegg import ImageAction, polarization_gram  # noqa: E402
from liegg.study.models import CNN  # noqa: E402


class PoolFirstCNN(CNN):
    """The workflow's CNN with each block's max pooling moved before its normalisation and
    Swish, which then run on a quarter of the pixels. A different function, timed here only."""

    def forward(self, x):
        x = self.images(x)
        for conv, norm in zip(self.convs, self.norms):
            x = self.act(norm(nn.functional.max_pool2d(conv(x), 2)))
        return self.head(x.flatten(1))


def training_step(models, batch, compiled=False):
    """One AdamW step of all ``models``, each on its own batch, and the samples it takes."""
    x = torch.randn(len(models), batch, 1, 28, 28)
    y = torch.randint(0, 10, (len(models), batch))
    calls = [torch.compile(m) if compiled else m for m in models]
    opt = torch.optim.AdamW([p for m in models for p in m.parameters()], lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        losses = [nn.functional.cross_entropy(call(xi), yi) for call, xi, yi in zip(calls, x, y)]
        torch.stack(losses).sum().backward()
        opt.step()

    for _ in range(5):  # warm-up (and compilation)
        step()
    return step, len(models) * batch


def gram_step(model, x, chunk_size):
    """The polarization Gram matrix of ``model`` on ``x``, as the workflow computes it."""

    def step():
        polarization_gram(model, x, ImageAction(), outputs="sum", normalize=True, chunk_size=chunk_size)

    step()  # warm-up
    return step, len(x)


def best_rates(options, calls, rounds):
    """Samples per second of each option: ``(name, step, samples, threads)``, ``calls``
    steps per timing window, one window per option in each of ``rounds`` rounds."""
    best = {name: 0.0 for name, *_ in options}
    for _ in range(rounds):
        for name, step, samples, threads in options:
            torch.set_num_threads(threads)
            start = time.perf_counter()
            for _ in range(calls(samples)):
                step()
            best[name] = max(best[name], calls(samples) * samples / (time.perf_counter() - start))
    return best


def print_ratios(title, rates, unit):
    (base_name, base), *others = rates.items()
    print(f"{title}, {base_name}: {base:.0f} {unit}/s")
    for name, rate in others:
        print(f"  {name:32s} {rate:8.0f} {unit}/s  ratio {rate / base:.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--steps", type=int, default=40, help="steps of batch 64 per timing window")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile)")
    args = parser.parse_args(argv)

    def nets(n, memory_format=torch.channels_last, kind=CNN, norm=True):
        out = []
        for seed in range(n):
            torch.manual_seed(seed)
            net = kind(784, 10, args.width, args.depth, 3)
            net.memory_format = memory_format
            if not norm:
                net.norms = nn.ModuleList(nn.Identity() for _ in net.norms)
            out.append(net.to(memory_format=memory_format))
        return out

    torch.set_num_threads(1)
    options = [
        ("baseline (batch 64, channels-last, 1 thread)", *training_step(nets(1), 64), 1),
        ("NCHW memory", *training_step(nets(1, torch.contiguous_format), 64), 1),
        ("batch 32", *training_step(nets(1), 32), 1),
        ("batch 128", *training_step(nets(1), 128), 1),
        ("batch 256", *training_step(nets(1), 256), 1),
        ("2 threads", *training_step(nets(1), 64), 2),
        ("2 threads, batch 256", *training_step(nets(1), 256), 2),
        ("3 seeds in one loop", *training_step(nets(3), 64), 1),
        ("no batch normalisation", *training_step(nets(1, norm=False), 64), 1),
        ("pooling before norm and Swish", *training_step(nets(1, kind=PoolFirstCNN), 64), 1),
    ]
    if args.compile:
        options.append(("torch.compile", *training_step(nets(1), 64, compiled=True), 1))
    # every window trains on the same number of samples: steps x 64
    rates = best_rates(options, lambda samples: max(1, args.steps * 64 // samples), args.rounds)
    print_ratios(f"CNN {args.depth} x {args.width} training", rates, "samples")

    model, x = nets(1)[0].eval(), torch.randn(2000, 28, 28)
    options = [(f"chunks of {c}" + (" (baseline, 1 thread)" if c == 2000 else ""), *gram_step(model, x, c), 1)
               for c in (2000, 512, 128, 64)]
    print_ratios("LieGG extraction on 2000 digits", best_rates(options, lambda samples: 1, args.rounds), "digits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
