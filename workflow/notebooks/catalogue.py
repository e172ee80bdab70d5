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
# # A catalogue of symmetries
# One panel per study of the catalogue: the relative symmetry variance of every network
# (λ_i over the mean of all D variances, log scale), most invariant first. The dashed line
# stands after the true algebra's dimension k: a network that learned the symmetry has k small
# variances left of it and a gap at the line. The title gives the data's algebra; the text,
# the dimension LieGG finds in each network (its first gap of a factor 2) and the verdict of the catalogue
# table (results/tables/catalogue.md).

# %%
import math
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from liegg.study import files
from liegg.study.catalogue import CATALOGUE_SPECTRA_COLUMNS
from liegg.study.plotting import apply_style, save_figure, seed_colors

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    studies, catalogue_csv = list(snakemake.params.studies), snakemake.input.catalogue
    spectra_csvs, pdf, png = list(snakemake.input.spectra), snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run of the default config
    root = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "Snakefile").is_file()), None)
    if root is None:
        raise FileNotFoundError(f"no Snakefile in {Path.cwd()} or above: open this notebook inside the repository")
    catalogue_csv = root / "results/tables/catalogue.csv"
    studies = files.read_table(catalogue_csv, required=("study",))["study"].tolist()
    spectra_csvs = [root / f"results/tables/{s}/spectra.csv" for s in studies]
    pdf, png = root / "figures/catalogue.pdf", root / "figures/catalogue.png"

# %%
catalogue = files.read_table(catalogue_csv, required=("study", "true_algebra", "true_dim", "generators",
                                                      "found_dims", "verdict", "arch"))
rows = {study: i for i, study in enumerate(catalogue["study"].tolist())}
apply_style()
n_cols = min(4, len(studies))
n_rows = math.ceil(len(studies) / n_cols)
fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.6 * n_cols, 2.3 * n_rows), squeeze=False)
for ax, study, spectra_csv in zip(axes.flat, studies, spectra_csvs):
    spectra = files.read_table(spectra_csv, required=(*CATALOGUE_SPECTRA_COLUMNS, "relative_variance"))
    runs = sorted(set(spectra["run"].tolist()))
    for color, run in zip(seed_colors(len(runs)), runs):
        pick = spectra["run"] == run
        order = np.argsort(spectra["index"][pick])
        ax.semilogy(spectra["index"][pick][order] + 1, spectra["relative_variance"][pick][order], "o-", ms=2.5,
                    lw=1, color=color)
    i = rows[study]
    k, d = int(catalogue["true_dim"][i]), int(catalogue["generators"][i])
    if k:
        ax.axvline(k + 0.5, color="0.4", ls="--", lw=0.8)
    ax.set_xticks(range(1, d + 1, max(1, d // 8)))
    ax.set_title(f"{study}\n{catalogue['true_algebra'][i]} ({k} of {d}), {catalogue['arch'][i]}", fontsize=8)
    ax.text(0.03, 0.97, f"finds {catalogue['found_dims'][i]}\n{catalogue['verdict'][i]}", transform=ax.transAxes,
            va="top", fontsize=7, color="0.2")
for ax in axes.flat[len(studies):]:
    ax.axis("off")
for ax in axes[:, 0]:
    ax.set_ylabel(r"$\lambda_i$ / mean $\lambda$")
for ax in axes.flat[: len(studies)]:
    ax.set_xlabel("generator index i")
fig.suptitle("What LieGG finds: the true algebra's dimension k left of the dashed line")
fig.tight_layout()
save_figure(fig, pdf, png)

# %% [markdown]
# The saved figure (shown when this file runs as a notebook).

# %%
if "IPython" in sys.modules and "snakemake" not in globals():
    from IPython.display import Image, display

    display(Image(filename=str(png)))
