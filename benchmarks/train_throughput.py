"""Training throughput of an MLP as a fraction of the matmul rate torch reaches here.

Both are measured in this process, one after the other, so the ratio compares
like with like on whatever machine runs it:

    python benchmarks/train_throughput.py --width 512 --depth 6

A training step of a bias-free MLP costs about 6 FLOP per weight per sample
(2 forward, 4 backward), so the achieved rate is 6 * weights * samples/s.
"""

import argparse
import time

import torch

from liegg.study.models import MLP, count_parameters
from liegg.study.training import fit


def matmul_rate(n: int, k: int, m: int, repeats: int = 20) -> float:
    """FLOP/s of ``(n, k) @ (k, m)`` in float32, best of ``repeats``."""
    a, b = torch.randn(n, k), torch.randn(k, m)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n * k * m / best


def training_rate(width: int, depth: int, n: int, batch: int, epochs: int) -> tuple[float, int]:
    """Samples per second of :func:`liegg.study.training.fit` on random 28x28 inputs, and the weight count."""
    torch.manual_seed(0)
    x, y = torch.randn(n, 784), torch.randint(0, 10, (n,))
    model = MLP(784, 10, width=width, depth=depth)
    fit_args = dict(loss="cross_entropy", batch_size=batch, lr=1e-3, weight_decay=0.0, seed=0)
    fit(model, (x[:batch], y[:batch]), (x[:batch], y[:batch]), epochs=1, **fit_args)  # warm-up
    result = fit(model, (x, y), (x[:1000], y[:1000]), epochs=epochs, **fit_args)
    return n * epochs / result.seconds, count_parameters(model)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    peak = matmul_rate(args.batch, args.width, args.width)
    samples_per_s, weights = training_rate(args.width, args.depth, args.samples, args.batch, args.epochs)
    achieved = 6 * weights * samples_per_s
    print(f"matmul ({args.batch}x{args.width}) @ ({args.width}x{args.width}): {peak / 1e9:.1f} GFLOP/s")
    print(f"MLP {args.depth}x{args.width} ({weights} weights), batch {args.batch}: "
          f"{samples_per_s:.0f} samples/s = {achieved / 1e9:.1f} GFLOP/s")
    print(f"ratio training / matmul: {achieved / peak:.2f}")


if __name__ == "__main__":
    main()
