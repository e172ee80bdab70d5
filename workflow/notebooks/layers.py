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
# # Learned symmetries of the intermediate layers, per training regime
# One row per study. LieGG on the map from the input to each hidden layer's
# (L2-normalised) activations, against the layer index. Left: the absolute
# symmetry variance $\lambda_{\min}$ (log); middle: the relative one (over the
# mean of all variances, log); right: the symmetry bias of its generator.
# One line per training regime (end to end, autoencoder pre-training then
# fine-tuning, greedy layer-wise), the seed mean with markers, a band from the
# smallest to the largest seed.

# %%
import sys

import matplotlib.pyplot as plt

from liegg.study import files, paths
from liegg.study.aggregate import LAYERS_COLUMNS
from liegg.study.plotting import (
    REGIME_COLORS,
    apply_style,
    draw_study_row,
    label_row,
    save_figure,
)

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    studies, tables = list(snakemake.params.studies), list(snakemake.input.layers)
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run; LIEGG_FIGURE / LIEGG_STUDIES / LIEGG_FIGURES pick others
    studies, tables, pdf, png = paths.figure_paths("layers", ["rotmnist_layers"], "layers.csv")

# %%
data = [files.read_table(path, required=LAYERS_COLUMNS) for path in tables]
MEASURES = {"lambda": "lambda_min", "relative": "rel_lambda_min", "bias": "bias_of_lambda_min", "scores": []}

# %%
apply_style()
fig, axes = plt.subplots(len(studies), 3, figsize=(11.0, 2.9 * len(studies)), squeeze=False)
for row, (study, table) in enumerate(zip(studies, data)):
    draw_study_row(axes[row], table, "layer", ("regime",), MEASURES, colors=REGIME_COLORS, log_x=False)
    label_row(axes[row, 0], f"{study}: {table['task'][0]}")
    for ax in axes[row]:
        ax.set_xticks(sorted(set(table["layer"].tolist())))
for ax in axes[-1]:
    ax.set_xlabel("hidden layer (1 = next to the input)")
fig.suptitle("Learned symmetry of each hidden layer (lines: training regime; band: seed min..max)")
fig.tight_layout()
save_figure(fig, pdf, png)

# %% [markdown]
# The saved figure (shown when this file runs as a notebook).

# %%
if "IPython" in sys.modules and "snakemake" not in globals():
    from IPython.display import Image, display

    display(Image(filename=str(png)))
