"""liegg.analyze on ResNet-18 and colour images: time and peak memory per 256 images.

    python benchmarks/resnet18.py                      # 32 x 32 and 224 x 224, on the CPU
    python benchmarks/resnet18.py --sizes 32 --chunks 16 64 256 --device cuda

ResNet-18 is torchvision's (``pip install torchvision``) when it imports; otherwise the
same network built here from its published layout (a 7 x 7 stride-2 stem, 3 x 3 max
pooling, four stages of two basic blocks of 64, 128, 256 and 512 channels, global average
pooling, a linear head: 11 689 512 parameters with 1000 classes, as torchvision's), so that
a CPU-only machine whose torchvision build does not load still measures the same
arithmetic. Each configuration runs in a fresh process, so its peak resident memory
(``ru_maxrss``) is its own: 256 random colour images, ``ImageAction`` on all three
channels, ten logits L2-normalised (``outputs="each", normalize=True``), the network
randomly initialised in eval mode, and, with ``--trained``, after a short training on
coloured rotated digits (see ``colour_digits``). Name the CPU (``lscpu``) beside the numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import liegg  # noqa: E402


class BasicBlock(nn.Module):
    def __init__(self, n_in: int, n_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(n_in, n_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(n_out)
        self.conv2 = nn.Conv2d(n_out, n_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(n_out)
        self.downsample = None
        if stride != 1 or n_in != n_out:
            self.downsample = nn.Sequential(nn.Conv2d(n_in, n_out, 1, stride, bias=False), nn.BatchNorm2d(n_out))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


def resnet18_layout(num_classes: int) -> nn.Module:
    """ResNet-18 as published (He et al. 2016, the 18-layer column)."""
    stages, n_in = [], 64
    for n_out, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        stages += [BasicBlock(n_in, n_out, stride), BasicBlock(n_out, n_out, 1)]
        n_in = n_out
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
        *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes),
    )  # fmt: skip


def resnet18(num_classes: int = 10) -> tuple[nn.Module, str]:
    """(network, where it comes from)."""
    try:
        import torchvision

        return torchvision.models.resnet18(num_classes=num_classes), f"torchvision {torchvision.__version__}"
    except Exception as err:  # absent, or a build whose compiled ops do not load against this torch
        return resnet18_layout(num_classes), f"the published layout (torchvision: {type(err).__name__})"


def colour_digits(n: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The coloured rotated digits of the catalogue (``dataset.colour``, without the blur),
    ``(n, 3, size, size)``: rotated, padded to ``size``, then painted, so that the background
    fills the padding too."""
    from liegg.study import datasets, mnist

    images, labels = mnist.load_embedded(REPO / "data/mnist/digits.npz")
    grey = datasets.make_rotated_digits(images, labels, n + 2, 1, 1, seed=seed, blur_sigma=0.0)
    x = grey["x_train"].double()
    pad = (size - x.shape[-1]) // 2
    x = nn.functional.pad(x, (pad, size - x.shape[-1] - pad, pad, size - x.shape[-2] - pad))
    painted, _ = datasets.colour_digits(x, torch.Generator().manual_seed(seed))
    return painted.float(), grey["y_train"]


def train_briefly(model: nn.Module, steps: int, size: int) -> float:
    """A few hundred AdamW steps on coloured rotated digits; returns the accuracy on 500 others."""
    x, y = colour_digits(3000, size, seed=1)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(steps):
        batch = torch.randint(len(x) - 500, (64,), generator=gen)
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(x[-500:]).argmax(dim=1) == y[-500:]).float().mean())


def measure(size: int, chunk: int, device: str, trained_steps: int) -> dict:
    torch.manual_seed(0)
    model, source = resnet18()
    accuracy = train_briefly(model, trained_steps, size) if trained_steps else None
    model = model.to(device).eval()
    x = torch.rand(256, 3, size, size, generator=torch.Generator().manual_seed(2)).to(device)
    start = time.perf_counter()
    result = liegg.analyze(model, x, liegg.ImageAction(), algebra="so", outputs="each", normalize=True,
                           chunk_size=chunk)  # fmt: skip
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = (torch.cuda.max_memory_allocated() / 2**20 if device == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # fmt: skip
    return {"size": size, "chunk": chunk, "device": device, "source": source, "seconds": seconds,
            "peak_mb": peak, "accuracy": accuracy, "rel_var_rotation": float(result.relative_variances[0]),
            "bias_h1": float(result.bias[0]), "parameters": sum(p.numel() for p in model.parameters())}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 224])
    parser.add_argument("--chunks", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--trained", type=int, default=0, metavar="STEPS", help="train this many steps first")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: one configuration
    args = parser.parse_args(argv)
    if args.one:
        size, chunk = (int(v) for v in args.one.split(","))
        print(json.dumps(measure(size, chunk, args.device, args.trained)))
        return 0
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    print("| size | chunk | s per 256 images | peak memory MB | rel. variance h1 | bias h1 | accuracy | network |")
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for chunk in args.chunks:
            out = subprocess.run([sys.executable, __file__, "--one", f"{size},{chunk}", "--device", args.device,
                                  "--trained", str(args.trained)], capture_output=True, text=True)  # fmt: skip
            if out.returncode:
                print(f"| {size} | {chunk} | failed: {out.stderr.strip().splitlines()[-1]} |")
                continue
            r = json.loads(out.stdout)
            acc = "" if r["accuracy"] is None else f"{r['accuracy']:.3f}"
            print(f"| {size} | {chunk} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | {r['rel_var_rotation']:.3g} | "
                  f"{r['bias_h1']:.3f} | {acc} | {r['source']}, {r['parameters']} parameters |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
