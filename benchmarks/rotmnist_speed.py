"""Rotation MNIST speed: our training epoch and LieGG extraction against the
way the authors' notebook does them, measured in one process.

(a) One epoch (train + validation) of ``liegg.study.training.fit`` on tensors held in memory,
    against a baseline written like the authors' notebook: one ``.npy`` file
    per digit read from disk and blurred per sample per epoch by a
    ``Dataset``/``DataLoader`` (batch 512), then validation with batch size 1.
(b) The polarization rows of 8000 digits: ``outputs="each"`` (forward mode,
    4 tangents under vmap) against ``outputs="sum"`` and against the authors'
    way of getting the summed rows (one backward pass to the input with the
    weights frozen, then the sum over pixels).

Usage (from the repository root)::

    python benchmarks/rotmnist_speed.py [--threads N] [--repeats R]

Prints the timings and the two ratios. Both sides use the same model (the
reference MLP, 5 x 128), the same digits and the same number of threads.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from liegg import ImageAction, gaussian_blur, polarization_gram
from liegg.study.datasets import make_rotated_digits
from liegg.study.mnist import load_embedded
from liegg.study.models import MLP, Standardized
from liegg.study.training import fit

ROOT = Path(__file__).resolve().parents[1]
BLUR = 1.5

try:  # the authors' blur: skimage.filters.gaussian (optional: pip install scikit-image)
    from skimage.filters import gaussian as _skimage_gaussian

    def blur_one(img):
        return _skimage_gaussian(img, sigma=BLUR)

    BLUR_NAME = "skimage.filters.gaussian"
except ImportError:  # the same filter, from this library
    def blur_one(img):
        return gaussian_blur(torch.from_numpy(img), BLUR).numpy()

    BLUR_NAME = "liegg.gaussian_blur (scikit-image not installed)"


def best_of(repeats, fn):
    """Smallest wall time of ``repeats`` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def reference_mlp(seed=0):
    torch.manual_seed(seed)
    return Standardized(MLP(784, 10, width=128, depth=5), 0.13, 0.3)


# --------------------------------------------------------------------------- #
# (a) the authors' way: per-sample files, per-sample blur, batch-1 validation
# --------------------------------------------------------------------------- #
class FilePerDigit(torch.utils.data.Dataset):
    """One ``.npy`` file per digit holding ``[image, label]``; blurred and
    normalised each time it is read (as the authors' ``RotoMNIST``)."""

    def __init__(self, folder):
        self.paths = sorted(Path(folder).iterdir())

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, idx):
        img, label = np.load(self.paths[idx], allow_pickle=True)
        img = blur_one(img)
        img -= 0.1303
        img /= 0.3008
        return img, label


def write_files(folder, images, labels):
    folder.mkdir()
    for i, (img, label) in enumerate(zip(images.numpy(), labels.tolist())):
        pair = np.empty(2, dtype=object)
        pair[0], pair[1] = img.astype(np.float64), label
        np.save(folder / f"{i:05d}.npy", pair, allow_pickle=True)


def baseline_epoch(model, optimizer, train_set, val_set):
    loader = torch.utils.data.DataLoader(train_set, batch_size=512, shuffle=True)
    criterion = torch.nn.CrossEntropyLoss()
    model.train()
    running_loss, losses = 0, []
    for i, (inputs, labels) in enumerate(loader):
        optimizer.zero_grad()
        loss = criterion(model(inputs.reshape(len(inputs), -1).float()), labels.long())
        loss.backward()
        optimizer.step()
        running_loss += loss  # as in the notebook
        if i % 10 == 0:
            losses.append(loss.item())
            running_loss = 0.0
    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, labels in torch.utils.data.DataLoader(val_set, batch_size=1, shuffle=False):
            correct += int(model(inputs.reshape(1, -1).float()).argmax().item() == labels.item())
    return correct / len(val_set)


# --------------------------------------------------------------------------- #
# (b) the authors' way of getting the summed rows
# --------------------------------------------------------------------------- #
def authors_rows(model, data):
    """One backward pass of the summed normalised logits to the input, then
    ``sum_u dPhi/dI(u) * dI_a(u) * u_b`` (their formula)."""
    n, h, w = data.shape
    d_row = data[:, 1:, :-1] - data[:, :-1, :-1]
    d_col = data[:, :-1, 1:] - data[:, :-1, :-1]
    grad_image = torch.stack([d_row, d_col], -1)
    for p in model.parameters():
        p.requires_grad_(False)
    x = data.reshape(n, -1).clone().requires_grad_(True)
    out = model(x)
    out = out / out.norm(dim=1, keepdim=True)
    out.backward(torch.ones_like(out))
    for p in model.parameters():
        p.requires_grad_(True)
    d_f = x.grad.reshape(n, h, w)[:, :-1, :-1]
    rows, cols = torch.meshgrid(torch.arange(h - 1), torch.arange(w - 1), indexing="ij")
    xy = torch.stack([rows, cols], -1).to(data.dtype) / (h // 2) - 1
    c = d_f[..., None, None] * grad_image[..., None] * xy[None, :, :, None, :]
    return c.reshape(n, -1, 2, 2).sum(1).reshape(n, 4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    images, labels = load_embedded(ROOT / "data/mnist/digits.npz")
    data = make_rotated_digits(images, labels, 10000, 1000, 1000, seed=0, blur_sigma=BLUR)
    x_train, y_train, x_val, y_val = data["x_train"], data["y_train"], data["x_val"], data["y_val"]
    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPU(s) visible; "
          f"{len(x_train)} train / {len(x_val)} val digits; best of {args.repeats}; baseline blur: {BLUR_NAME}")

    # (a) one epoch, train + validation.
    model = reference_mlp()
    ours = best_of(args.repeats, lambda: fit(
        model, (x_train, y_train), (x_val, y_val), loss="cross_entropy", epochs=1, batch_size=512,
        lr=1e-3, weight_decay=0.0, seed=0))
    with tempfile.TemporaryDirectory() as tmp:
        # The authors' dataset holds unblurred rotated digits; blur happens on reading.
        raw = make_rotated_digits(images, labels, 10000, 1000, 1000, seed=0, blur_sigma=0.0)
        write_files(Path(tmp) / "train", raw["x_train"], raw["y_train"])
        write_files(Path(tmp) / "val", raw["x_val"], raw["y_val"])
        train_set, val_set = FilePerDigit(Path(tmp) / "train"), FilePerDigit(Path(tmp) / "val")
        model = reference_mlp()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        theirs = best_of(args.repeats, lambda: baseline_epoch(model, optimizer, train_set, val_set))
    print(f"(a) one epoch (train + val): fit {ours:.3f} s, file-per-digit baseline {theirs:.3f} s; "
          f"speed-up {theirs / ours:.1f}x")

    # (b) polarization rows of the 8000 training digits.
    model = reference_mlp().eval()
    action = ImageAction()
    kwargs = dict(normalize=True, chunk_size=len(x_train))
    each = best_of(args.repeats, lambda: polarization_gram(model, x_train, action, outputs="each", **kwargs))
    summed = best_of(args.repeats, lambda: polarization_gram(model, x_train, action, outputs="sum", **kwargs))
    authors = best_of(args.repeats, lambda: authors_rows(model, x_train))
    print(f"(b) rows of {len(x_train)} digits: each {each:.3f} s, sum {summed:.3f} s, "
          f"authors' summed rows {authors:.3f} s; each/sum {each / summed:.2f}x, each/authors {each / authors:.2f}x")


if __name__ == "__main__":
    main()
