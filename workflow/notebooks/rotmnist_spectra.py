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
# # Rotation MNIST: LieGG spectra of the MLP, the CNN and the upright control
# One column per study. Top: symmetry variance $\lambda_i$ of the four
# generators of gl(2) (log scale), most invariant first; bottom: the symmetry
# bias of each, its distance from so(2). A network that learned rotations has
# one generator far below the others ($\lambda_1 \ll \lambda_2$) whose bias is
# near 0; the upright control should show no such rotation.

# %%
import sys
from collections import defaultdict

import matplotlib.pyplot as plt

from liegg.study.files import read_rows
from liegg.study.plotting import apply_style, save_figure, seed_colors

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    studies = list(snakemake.params.studies)
    spectra_csvs, runs_csvs = list(snakemake.input.spectra), list(snakemake.input.runs)
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run of the default config
    studies = ["rotmnist_mlp", "rotmnist_cnn", "rotmnist_upright", "rotmnist_upright_cnn"]
    spectra_csvs = [f"results/tables/{s}/spectra.csv" for s in studies]
    runs_csvs = [f"results/tables/{s}/runs.csv" for s in studies]
    pdf, png = "figures/rotmnist_spectra.pdf", "figures/rotmnist_spectra.png"

# %%
def read_study(spectra_csv, runs_csv):
    """Per run: its label, variances and biases (index order)."""
    accuracy = {row["run"]: row["val_accuracy"] for row in read_rows(runs_csv)}
    lines = defaultdict(lambda: {"variance": [], "bias": []})
    labels = {}
    for row in read_rows(spectra_csv):
        lines[row["run"]]["variance"].append(row["variance"])
        lines[row["run"]]["bias"].append(row["bias"])
        size = f"{row['depth']}x{row['width']}"
        if isinstance(row.get("kernel_size"), int):  # CNNs; an MLP's cell is empty
            size += f" k{row['kernel_size']}"
        labels[row["run"]] = f"{row['arch']} {size}, seed {row['seed']} (val acc {accuracy[row['run']]:.3f})"
    return {run: (labels[run], lines[run]) for run in sorted(lines)}


data = [read_study(s, r) for s, r in zip(spectra_csvs, runs_csvs)]

# %%
apply_style()
fig, axes = plt.subplots(
    2, len(studies), figsize=(3.0 * len(studies), 4.4), sharex=True, sharey="row", squeeze=False
)
for col, (study, runs) in enumerate(zip(studies, data)):
    ax_var, ax_bias = axes[0, col], axes[1, col]
    for color, (label, line) in zip(seed_colors(len(runs)), runs.values()):
        index = range(1, len(line["variance"]) + 1)
        ax_var.semilogy(index, line["variance"], "o-", ms=4, color=color, label=label)
        ax_bias.plot(index, line["bias"], "o-", ms=4, color=color, label=label)
    ax_var.set_title(study)
    ax_var.legend(loc="upper left", fontsize=6.5)
    ax_bias.set_ylim(0, 1.05)
    ax_bias.set_xticks([1, 2, 3, 4])
    ax_bias.set_xlabel("generator index i (most invariant first)")
axes[0, 0].set_ylabel(r"symmetry variance $\lambda_i$")
axes[1, 0].set_ylabel(r"symmetry bias $\|h_i - P_{so(2)}(h_i)\|_F$")
fig.suptitle("Rotation MNIST: LieGG spectrum per network")
fig.tight_layout()
save_figure(fig, pdf, png)
