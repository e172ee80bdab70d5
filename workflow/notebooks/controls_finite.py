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
# # Controls checked a second way: LieGG's ranking beside finite transformations
# One row per architecture (the control family). Left: every network's LieGG relative
# variance along the rotations and along the scaling (x) against the finite variance over the
# same mean under a rotation by 5° and a scaling by 1.1, which move a pixel alike (y); a line
# joins a network's two candidates, so a line that rises left to right is a network whose two
# readings rank the candidates alike. Then the test accuracy under rotations, scalings and
# shifts, per dataset (seed mean, one point per seed).

# %%
import sys

import matplotlib.pyplot as plt
import numpy as np

from liegg.study import files
from liegg.study.columns import ROTATION_DEGREES, SCALE_FACTORS, SHIFT_PIXELS
from liegg.study.plotting import ARCH_LABELS, apply_style, save_figure

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    figure_name, run_tables = snakemake.wildcards.name, list(snakemake.input.runs)
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run of the default config
    figure_name = "controls"
    studies = ["rotmnist_mlp", "rotmnist_cnn", "mnist_scaled_mlp", "mnist_scaled_cnn", "mnist_rotscaled_mlp",
               "mnist_rotscaled_cnn", "rotmnist_upright", "rotmnist_upright_cnn"]
    run_tables = [f"results/tables/{s}/runs.csv" for s in studies]
    pdf, png = "figures/controls_finite.pdf", "figures/controls_finite.png"

DATA = {
    "so2": ("rotated", "tab:blue"),
    "scale": ("scaled", "tab:green"),
    "so2_scale": ("rotated + scaled", "tab:purple"),
    "none": ("upright", "tab:gray"),
}
FAMILIES = [
    ("so2", [f"{a}deg" for a in ROTATION_DEGREES], "rotation (degrees)", list(ROTATION_DEGREES)),
    ("scale", [f"x{f:g}" for f in SCALE_FACTORS], "scaling factor", list(SCALE_FACTORS)),
    ("translations", [f"{p}px" for p in SHIFT_PIXELS], "shift (pixels)", list(SHIFT_PIXELS)),
]

# %%
tables = [files.read_table(p, required=("arch", "true_algebra", "rel_var_so2", "rel_fv_so2")) for p in run_tables]
by_arch = {}
for table in tables:
    by_arch.setdefault(str(table["arch"][0]), []).append(table)

apply_style()
fig, axes = plt.subplots(
    len(by_arch), 4, figsize=(13.0, 3.2 * len(by_arch)), squeeze=False, gridspec_kw={"width_ratios": [1.5, 1, 1, 1]}
)
for row, (arch, members) in zip(axes, by_arch.items()):
    for table in members:
        label, color = DATA.get(str(table["true_algebra"][0]), (str(table["true_algebra"][0]), "black"))
        for j in range(len(table["arch"])):
            x = [table["rel_var_so2"][j], table["rel_var_scale"][j]]
            y = [table["rel_fv_so2"][j], table["rel_fv_scale"][j]]
            row[0].plot(x, y, "-", color=color, lw=0.7, alpha=0.6)
            row[0].plot(x[0], y[0], "o", color=color, ms=4, label=f"{label}: rotation" if j == 0 else None)
            row[0].plot(x[1], y[1], "s", color=color, ms=4, mfc="none", label=f"{label}: scaling" if j == 0 else None)
        for ax, (family, labels, xlabel, values) in zip(row[1:], FAMILIES):
            acc = np.array([table[f"acc_{family}_{m}"] for m in labels])  # (magnitudes, runs)
            ax.plot(values, acc.mean(axis=1), "-", color=color, marker="o", ms=3, label=label)
            for k in range(acc.shape[1]):
                ax.plot(values, acc[:, k], ".", color=color, ms=2, alpha=0.6)
            ax.set_xlabel(xlabel)
            ax.set_ylim(0, 1)
    row[0].set_xscale("log"), row[0].set_yscale("log")
    row[0].set_xlabel(r"LieGG: $\lambda(C) / \bar\lambda$")
    row[0].set_ylabel(r"finite: $v(C, t) / \bar\lambda$ at 5° and ×1.1")
    row[0].set_title(f"{ARCH_LABELS[arch]}s: the two readings of rotations (o) and scalings (□)")
    row[0].legend(fontsize=6, ncol=2)
    row[1].set_ylabel("test accuracy")
    for ax, (family, *_rest) in zip(row[1:], FAMILIES):
        ax.set_title(f"{ARCH_LABELS[arch]}s: accuracy under {'rotations' if family == 'so2' else family}")
    row[1].legend(fontsize=6)
fig.suptitle(f"{figure_name} checked a second way: LieGG's relative variance beside finite transformations", y=1.0)
fig.tight_layout()
save_figure(fig, pdf, png)

# %% [markdown]
# The saved figure (shown when this file runs as a notebook).

# %%
if "IPython" in sys.modules and "snakemake" not in globals():
    from IPython.display import Image, display

    display(Image(filename=str(png)))
