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
# # Learned symmetries against network capacity
# One row per study, against the parameter count (log). First: the absolute
# symmetry variance $\lambda_{\min}$ (log); second: the relative one,
# $\lambda_{\min}$ over the mean of all variances (log), which does not shrink
# just because a network's outputs barely vary; third: the symmetry bias of the
# $\lambda_{\min}$ generator; last: the score (validation and test accuracy for rotation MNIST,
# test MSE for O(5)). One line per depth (and kernel size, for CNNs with
# several), the seed mean with markers, a band from the smallest to the largest
# seed. For O(5) the so(5) block has 10 generators: the panels show
# $\lambda_{10}$ and the block bias of the 10 most invariant generators.

# %%
import sys

import matplotlib.pyplot as plt

from liegg.study import files, paths
from liegg.study.aggregate import RUNS_COLUMNS, study_measures
from liegg.study.plotting import apply_style, draw_study_row, label_row, save_figure

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    studies, tables = list(snakemake.params.studies), list(snakemake.input.runs)
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run; LIEGG_FIGURE / LIEGG_STUDIES / LIEGG_FIGURES pick others
    studies, tables, pdf, png = paths.figure_paths(
        "rotmnist_capacity", ["rotmnist_mlp_grid", "rotmnist_cnn_grid"], "runs.csv"
    )

# %%
data = [files.read_table(path, required=RUNS_COLUMNS) for path in tables]

# %%
apply_style()
fig, axes = plt.subplots(len(studies), 4, figsize=(13.5, 2.9 * len(studies)), squeeze=False)
for row, (study, table) in enumerate(zip(studies, data)):
    draw_study_row(axes[row], table, "n_parameters", ("depth", "kernel_size"), study_measures(table))
    label_row(axes[row, 0], f"{study}: {table['task'][0]}, {table['arch'][0]}")
for ax in axes[-1]:
    ax.set_xlabel("parameters (log)")
fig.suptitle("Learned symmetry against parameter count (lines: depth; band: seed min..max)")
fig.tight_layout()
save_figure(fig, pdf, png)

# %% [markdown]
# The saved figure (shown when this file runs as a notebook).

# %%
if "IPython" in sys.modules and "snakemake" not in globals():
    from IPython.display import Image, display

    display(Image(filename=str(png)))
