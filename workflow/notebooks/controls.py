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
# # Controls: does LieGG name the symmetry the data carry?
# One row per dataset: digits rotated, scaled, rotated and scaled, or upright
# (grey or coloured). Left: a test digit of that dataset. Then the LieGG spectrum
# of every network trained on it (relative symmetry variance $\lambda_i / \bar\lambda$,
# log; MLPs solid, CNNs and ResNets dashed), the most invariant generator $h_1$ of the first
# network as a matrix (image coordinates, $x$ right, $y$ up) and as a vector
# field, and the digit moved by $\exp(t h_1)$ (top) next to the true
# transformation of that dataset (bottom): a rotation by the angle of
# $h_1$'s rotation part, a scaling by $e^{t\sigma}$ with $\sigma$ its scaling
# part. The title of each row names the algebra each network's spectrum names.

# %%
import math
import sys

import matplotlib.pyplot as plt
import numpy as np
import torch

from liegg.actions import ImageAction
from liegg.groups import expm
from liegg.images import pixel_coordinates, transform_images
from liegg.study import arrays, files, spectra
from liegg.study.plotting import ARCH_LABELS, apply_style, save_figure

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    figure_name, studies = snakemake.wildcards.name, list(snakemake.params.studies)
    run_tables, spectrum_tables = list(snakemake.input.runs), list(snakemake.input.spectra)
    first_spectra, datasets = list(snakemake.input.first_spectra), list(snakemake.input.data)
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run of the default config
    import glob

    figure_name = "controls"
    studies = ["rotmnist_mlp", "rotmnist_cnn", "mnist_scaled_mlp", "mnist_scaled_cnn", "mnist_rotscaled_mlp",
               "mnist_rotscaled_cnn", "rotmnist_upright", "rotmnist_upright_cnn"]
    run_tables = [f"results/tables/{s}/runs.csv" for s in studies]
    spectrum_tables = [f"results/tables/{s}/spectra.csv" for s in studies]
    first_spectra = [sorted(glob.glob(f"results/runs/{s}/*/spectrum.npz"))[0] for s in studies]
    # the dataset each first run was trained on, as its training record says
    datasets = [files.read_json(p.replace("spectrum.npz", "train.json"))["provenance"]["inputs"]["data"]["path"]
                for p in first_spectra]
    pdf, png = "figures/controls.pdf", "figures/controls.png"

STEPS = [0.0, 0.4, 0.8, 1.2]  # t of exp(t h_1), in units of the generator (unit Frobenius norm)
DIGIT_CLASS = 2

# %%
runs = [files.read_table(p, required=("run", "arch", "true_algebra", "named_algebra")) for p in run_tables]
spectra_rows = [files.read_table(p, required=("run", "index", "relative_variance")) for p in spectrum_tables]
rows = {}  # true algebra -> studies trained on that dataset, in config order
for i, table in enumerate(runs):
    rows.setdefault(str(table["true_algebra"][0]), []).append(i)
ORDER = ["so2", "scale", "so2_scale", "none"]
rows = {key: rows[key] for key in sorted(rows, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))}
TITLES = {"so2": "rotated digits (true: so(2))", "scale": "scaled digits (true: scaling)",
          "so2_scale": "rotated and scaled digits (true: so(2) + scaling)", "none": "upright digits (no symmetry)"}


def first_generator(i):
    spectrum, saved, meta = spectra.load_spectrum(first_spectra[i])
    action = ImageAction().with_options(**meta["liegg"].get("action", {}))
    return action.generator_in_xy(spectrum.generators[0].to(torch.float64)), meta


def test_digit(i):
    """A test digit, ``(H, W)`` grey or ``(3, H, W)`` coloured."""
    path = datasets[i]
    digits, _ = arrays.load_arrays(path, required=("x_test", "y_test"))
    index = np.flatnonzero(digits["y_test"] == DIGIT_CLASS)
    return torch.from_numpy(digits["x_test"][int(index[0]) if len(index) else 0]).to(torch.float64)


def show(ax, image, **options):
    """A grey digit dark on light, a coloured one in its colours."""
    if image.ndim == 3:
        ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy(), **options)
    else:
        ax.imshow(image.numpy(), cmap="gray_r", **options)


# %%
apply_style()
n_rows = len(rows)
height = 2.6 * n_rows + 0.6  # inches; the margins below are in inches too, so one row fits as well as four
fig = plt.figure(figsize=(12.0, height))
grid = fig.add_gridspec(2 * n_rows, 4 + len(STEPS), width_ratios=[1.1, 2.2, 1.2, 1.5] + [1] * len(STEPS),
                        wspace=0.9, hspace=1.1, left=0.02, right=0.99, top=1 - 0.75 / height, bottom=0.55 / height)
for r, (truth, members) in enumerate(rows.items()):
    first = members[0]
    h, meta = first_generator(first)
    digit = test_digit(first)
    # What each architecture's networks name, e.g. "MLP so2 ×2; CNN so2 ×2, none ×1".
    named = {}
    for i in members:
        for j in range(len(runs[i]["run"])):
            arch, name = ARCH_LABELS[str(runs[i]["arch"][j])], str(runs[i]["named_algebra"][j])
            named.setdefault(arch, []).append(name)
    summary = "; ".join(arch + " " + ", ".join(f"{n} ×{names.count(n)}" for n in sorted(set(names)))
                        for arch, names in named.items())
    # The digit.
    ax = fig.add_subplot(grid[2 * r: 2 * r + 2, 0])
    show(ax, digit)
    ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    # The spectra.
    ax = fig.add_subplot(grid[2 * r: 2 * r + 2, 1])
    for i in members:
        table = spectra_rows[i]
        style = "-" if runs[i]["arch"][0] == "mlp" else "--"
        for run in np.unique(table["run"]):
            mine = table["run"] == run
            ax.semilogy(table["index"][mine] + 1, table["relative_variance"][mine], style, marker="o", ms=2.5,
                        lw=0.9, color="tab:orange" if style == "--" else "tab:blue", alpha=0.7)
    ax.set_xticks([1, 2, 3, 4])
    title = ("coloured " if digit.ndim == 3 else "") + TITLES.get(truth, truth)
    fig.text(0.02, ax.get_position().y1 + 0.18 / height, f"{title}.  LieGG names: {summary}",
             fontsize=8.5, fontweight="bold", ha="left", va="bottom")
    ax.set_ylabel(r"$\lambda_i / \bar\lambda$ (log)", fontsize=7.5)
    if r == n_rows - 1:
        ax.set_xlabel("generator index i (MLP solid, CNN or ResNet dashed)")
    # h_1 as a matrix.
    ax = fig.add_subplot(grid[2 * r: 2 * r + 2, 2])
    ax.imshow(h.numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    for (i, j), value in zip([(0, 0), (0, 1), (1, 0), (1, 1)], h.flatten().tolist()):
        ax.text(j, i, f"{value:+.2f}", ha="center", va="center", fontsize=7.5)
    ax.set_xticks([0, 1], ["x", "y"]), ax.set_yticks([0, 1], ["x", "y"]), ax.grid(False)
    ax.set_title(rf"$h_1$ of {studies[first]}", fontsize=7)
    # Its vector field.
    ax = fig.add_subplot(grid[2 * r: 2 * r + 2, 3])
    show(ax, digit, extent=(-1, 1, -1, 1))
    u = pixel_coordinates(28, 28, dtype=torch.float64)[:, 1::3, 1::3].reshape(2, -1)
    v = h @ u
    ax.quiver(u[0].numpy(), u[1].numpy(), v[0].numpy(), v[1].numpy(), color="tab:red", width=0.006)
    ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    ax.set_title(r"field $u \mapsto h_1 u$", fontsize=7)
    # exp(t h_1) against the true transformation with the same rotation and scaling parts.
    omega, sigma = float(h[1, 0] - h[0, 1]) / 2, float(h[0, 0] + h[1, 1]) / 2
    for c, t in enumerate(STEPS):
        theta, factor = t * omega, math.exp(t * sigma)
        true_g = factor * torch.tensor([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]],
                                       dtype=torch.float64)
        for k, (g, label) in enumerate([(expm(h, t), r"$\exp(t h_1)$"), (true_g, "rotation, scaling")]):
            ax = fig.add_subplot(grid[2 * r + k, 4 + c])
            show(ax, transform_images(digit, g))
            ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
            if c == 0:
                ax.set_ylabel(label, fontsize=6.5)
            if k == 0:
                ax.set_title(f"t={t:.1f}", fontsize=6.5)
fig.suptitle(f"{figure_name}: the learned generator and the algebra LieGG names, per dataset")
save_figure(fig, pdf, png)

# %% [markdown]
# The saved figure (shown when this file runs as a notebook).

# %%
if "IPython" in sys.modules and "snakemake" not in globals():
    from IPython.display import Image, display

    display(Image(filename=str(png)))
