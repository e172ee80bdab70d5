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
# # LieGG spectrum of one study
# Symmetry variance $\lambda_i$ (log scale) and symmetry bias of every retrieved
# generator, most invariant first, one line per seed. A network that learned
# the data's symmetry shows a block of small variances whose generators have
# near-zero bias (they lie in the known Lie algebra); for O(5) that block has
# the 10 dimensions of so(5), for the Lorentz task the 6 of so(1,3).

# %%
import os
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt

from liegg.study.files import read_rows
from liegg.study.plotting import apply_style, save_figure, seed_colors

if "snakemake" in globals():  # run by the workflow
    sys.stderr = open(snakemake.log[0], "w")
    study = snakemake.wildcards.study
    spectra_csv, runs_csv = snakemake.input.spectra, snakemake.input.runs
    pdf, png = snakemake.output.pdf, snakemake.output.png
else:  # opened by hand after a run of the default config; LIEGG_STUDY / LIEGG_FIGURES pick another
    root = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "Snakefile").is_file()), None)
    if root is None:
        raise FileNotFoundError(f"no Snakefile in {Path.cwd()} or above: open this notebook inside the repository")
    study = os.environ.get("LIEGG_STUDY", "o5_reference")
    figures = Path(os.environ.get("LIEGG_FIGURES", root / "figures"))
    spectra_csv = root / f"results/tables/{study}/spectra.csv"
    runs_csv = root / f"results/tables/{study}/runs.csv"
    pdf, png = figures / f"{study}_spectrum.pdf", figures / f"{study}_spectrum.png"

# %%
lines = defaultdict(lambda: {"index": [], "variance": [], "bias": []})
for row in read_rows(spectra_csv):
    line = lines[(row["arch"], row["depth"], row["width"], row["seed"])]
    for key in line:
        line[key].append(row[key])
keys = sorted(lines)

# %%
apply_style()
fig, (ax_var, ax_bias) = plt.subplots(1, 2, figsize=(7.0, 2.8))
for color, key in zip(seed_colors(len(keys)), keys):
    arch, depth, width, seed = key
    line = lines[key]
    label = f"{arch} {depth}x{width}, seed {seed}"
    ax_var.semilogy([i + 1 for i in line["index"]], line["variance"], "o-", ms=3, color=color, label=label)
    ax_bias.plot([i + 1 for i in line["index"]], line["bias"], "o-", ms=3, color=color, label=label)
ax_var.set_xlabel("generator index i (most invariant first)")
ax_var.set_ylabel(r"symmetry variance $\lambda_i$ (output units$^2$)")
ax_bias.set_xlabel("generator index i (most invariant first)")
ax_bias.set_ylabel(r"symmetry bias $\|h_i - P(h_i)\|_F$")
ax_bias.set_ylim(0, 1.05)
# A network that learned the data's symmetry shows as many small variances with
# near-zero bias as the algebra has dimensions, left of this line.
first = read_rows(runs_csv)[0]
k, algebra = first["algebra_dim"], first["true_algebra"]
for ax in (ax_var, ax_bias):
    ax.axvline(k + 0.5, color="0.4", ls="--", lw=0.8)
ax_bias.text(k + 0.7, 0.5, f"dim {algebra} = {k}", color="0.4", fontsize=8)
ax_var.legend(loc="lower right")
fig.suptitle(f"{study}: LieGG spectrum")
save_figure(fig, pdf, png)

# %% [markdown]
# The saved figure (shown when this file runs as a notebook).

# %%
if "IPython" in sys.modules and "snakemake" not in globals():
    from IPython.display import Image, display

    display(Image(filename=str(png)))
