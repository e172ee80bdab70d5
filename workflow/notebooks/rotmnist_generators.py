# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Rotation MNIST: the learned generator and what it does to digits
# One row per study (its first run). Left: the most invariant generator $h_1$
# as a 2x2 matrix in image coordinates ($x$ right, $y$ up; a rotation is
# $\propto [[0,-1],[1,0]]$). Middle: its vector field $u \mapsto h_1 u$ over a
# test digit. Right: that digit transformed by $\exp(t h_1)$ (top) next to
# the same digit rotated by the true angle $\theta$ (bottom), with
# $t = \theta/\omega$ and $\omega = (h_{yx} - h_{xy})/2$ the rotation part of
# $h_1$ (when $|\omega| < 0.35$, $h_1$ is far from a rotation and
# $t = \theta\sqrt{2}$). For a network that learned rotations both rows match;
# for the upright control they need not.

# %%
import math
import sys

import matplotlib.pyplot as plt
import numpy as np
import torch

from liegg.actions import ImageAction
from liegg.groups import expm
from liegg.images import pixel_coordinates, rotate_images, transform_images
from liegg.study import arrays, spectra
from liegg.study.plotting import apply_style, save_figure

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    studies, runs = list(snakemake.params.studies), list(snakemake.params.runs)
    spectrum_files, datasets = list(snakemake.input.spectra), list(snakemake.input.data)
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run of the default config
    import glob

    studies = ["rotmnist_mlp", "rotmnist_cnn", "rotmnist_upright", "rotmnist_upright_cnn"]
    runs = [sorted(glob.glob(f"results/runs/{s}/*/spectrum.npz"))[0].split("/")[-2] for s in studies]
    spectrum_files = [f"results/runs/{s}/{r}/spectrum.npz" for s, r in zip(studies, runs)]
    datasets = [sorted(glob.glob("results/data/rotmnist-*-rot-*.npz"))[0]] * len(studies)  # any digits do
    pdf, png = "figures/rotmnist_generators.pdf", "figures/rotmnist_generators.png"

ANGLES = [0, 30, 60, 90, 135, 180]  # degrees
N_DIGITS = len(ANGLES)
DIGIT_CLASS = 2  # the first test digit of this class is moved (a 2 shows its orientation well)

# %%
def load(spectrum_path, data_path):
    spectrum, saved, meta = spectra.load_spectrum(spectrum_path)
    action = ImageAction().with_options(**meta["liegg"].get("action", {}))
    h = action.generator_in_xy(spectrum.generators[0].to(torch.float64))
    digits, _ = arrays.load_arrays(data_path, required=("x_test", "y_test"))
    index = int(np.flatnonzero(digits["y_test"] == DIGIT_CLASS)[0]) if (digits["y_test"] == DIGIT_CLASS).any() else 0
    return {
        "h": h,
        "variance": float(spectrum.variances[0]),
        "bias": float(saved["biases"][0]),
        "digit": torch.from_numpy(digits["x_test"][index]).to(torch.float64),
    }


rows = [load(s, d) for s, d in zip(spectrum_files, datasets)]

# %%
apply_style()
fig = plt.figure(figsize=(10.5, 2.2 * len(rows)))
grid = fig.add_gridspec(
    2 * len(rows), 2 + N_DIGITS, width_ratios=[1.6, 1.9] + [1] * N_DIGITS, wspace=0.5, hspace=0.5,
    top=0.91, bottom=0.05,
)
for r, (study, run, row) in enumerate(zip(studies, runs, rows)):
    h = row["h"]
    # The matrix.
    ax = fig.add_subplot(grid[2 * r : 2 * r + 2, 0])
    ax.imshow(h.numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    for (i, j), value in zip([(0, 0), (0, 1), (1, 0), (1, 1)], h.flatten().tolist()):
        ax.text(j, i, f"{value:+.3f}", ha="center", va="center", fontsize=8)
    ax.set_xticks([0, 1], ["x", "y"])
    ax.set_yticks([0, 1], ["x", "y"])
    ax.grid(False)
    ax.set_title(
        f"{study} ({run})\n" + rf"$h_1$: $\lambda_1$={row['variance']:.2g}, bias {row['bias']:.3f}", fontsize=7.5
    )
    # Its vector field over the first digit.
    ax = fig.add_subplot(grid[2 * r : 2 * r + 2, 1])
    ax.imshow(row["digit"].numpy(), cmap="gray_r", extent=(-1, 1, -1, 1))
    u = pixel_coordinates(28, 28, dtype=torch.float64)[:, 1::3, 1::3].reshape(2, -1)
    v = h @ u
    ax.quiver(u[0].numpy(), u[1].numpy(), v[0].numpy(), v[1].numpy(), color="tab:red", width=0.006)
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1], [])
    ax.set_xlabel("x (y up, same scale)", fontsize=7.5)
    ax.grid(False)
    ax.set_title(r"field $u \mapsto h_1 u$", fontsize=7.5)
    # Digits moved by exp(t h) and by the true rotation.
    omega = float(h[1, 0] - h[0, 1]) / 2
    rotation_like = abs(omega) >= 0.35  # a unit-norm rotation has |omega| = 1/sqrt(2)
    for c, theta in enumerate(ANGLES):
        t = math.radians(theta) / omega if rotation_like else math.radians(theta) * math.sqrt(2)
        t += 0.0  # no "-0.00" in the titles
        moved = transform_images(row["digit"], expm(h, t))
        rotated = rotate_images(row["digit"][None], float(theta))[0]
        for k, (image, name) in enumerate([(moved, r"$\exp(t h_1)$"), (rotated, "rotated")]):
            ax = fig.add_subplot(grid[2 * r + k, 2 + c])
            ax.imshow(image.numpy(), cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color("0.6")
            if c == 0:
                ax.set_ylabel(name, fontsize=7.5)
            if k == 0:
                label = f"t={t:.2f}" if rotation_like else rf"t=$\theta\sqrt{{2}}$={t:.2f}"
                ax.set_title(rf"$\theta$={theta}°" + f"\n{label}", fontsize=6.5)
fig.suptitle(r"Rotation MNIST: most invariant generator $h_1$ and $\exp(t h_1)$ against the true rotation")
save_figure(fig, pdf, png)
