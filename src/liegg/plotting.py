"""The one matplotlib style of every figure (the only module that imports matplotlib)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are files; no screen is needed
import matplotlib.pyplot as plt  # noqa: E402

from .io import atomic_path  # noqa: E402

__all__ = ["STYLE", "apply_style", "save_figure", "seed_colors"]

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "pdf.fonttype": 42,
    "svg.hashsalt": "liegg",
    "path.simplify": False,
}


def apply_style() -> None:
    """Set the house style for the figures that follow."""
    plt.rcParams.update(STYLE)


def seed_colors(n: int):
    """``n`` distinguishable colours, one per seed."""
    cmap = plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(n)]


def save_figure(fig, pdf_path, png_path=None) -> None:
    """Save a figure as vector PDF (and PNG), without a creation date, so that
    the same data give the same bytes. Each file is written under a temporary
    name and renamed: a killed job never leaves a truncated figure."""
    with atomic_path(pdf_path) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "Creator": "liegg"})
    if png_path is not None:
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": "liegg"})
    plt.close(fig)
