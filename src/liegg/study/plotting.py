"""The one matplotlib style of every figure (the only module that imports matplotlib)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are files; no screen is needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter  # noqa: E402

from .aggregate import REGIMES, seed_bands  # noqa: E402
from .files import atomic_path  # noqa: E402

__all__ = [
    "ARCH_LABELS",
    "STYLE",
    "apply_style",
    "save_figure",
    "seed_colors",
    "REGIME_COLORS",
    "ordered_colors",
    "line_labels",
    "draw_band",
    "draw_study_row",
    "label_row",
]

#: How figures write an architecture's name.
ARCH_LABELS = {"mlp": "MLP", "cnn": "CNN", "resnet": "ResNet"}

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


# One fixed colour per training regime, in the order of liegg.study.names.REGIMES.
REGIME_COLORS = dict(zip(REGIMES, ("tab:blue", "tab:orange", "tab:green")))


def ordered_colors(n: int):
    """``n`` colours along one ordered colour map (e.g. one per depth, shallow first).

    Examples
    --------
    >>> len(ordered_colors(3)), len(set(ordered_colors(3)))
    (3, 3)
    """
    cmap = plt.get_cmap("viridis")
    return [cmap(v) for v in np.linspace(0.0, 0.85, n)] if n > 1 else [cmap(0.0)]


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def line_labels(bands) -> list[str]:
    """Legend labels of :class:`liegg.study.aggregate.SeedBand` lines: the line
    columns whose value differs between the lines (all of them when none do).

    Examples
    --------
    >>> from liegg.study.aggregate import seed_bands
    >>> table = {"arch": ["cnn"] * 4, "depth": [2, 2, 4, 4], "kernel_size": [3, 3, 3, 3],
    ...          "n_parameters": [10, 20, 30, 40], "seed": [0, 0, 0, 0], "lambda_min": [1.0, 2.0, 3.0, 4.0]}
    >>> line_labels(seed_bands(table, "n_parameters", "lambda_min", ("arch", "depth", "kernel_size")))
    ['depth 2', 'depth 4']
    >>> line_labels(seed_bands(table, "n_parameters", "lambda_min", ("arch",)))
    ['arch cnn']
    """
    names = [name for name, _ in bands[0].line] if bands else []
    varying = [i for i in range(len(names)) if len({band.line[i][1] for band in bands}) > 1]
    shown = varying or range(len(names))
    return [" ".join(f"{band.line[i][0]} {_value(band.line[i][1])}" for i in shown) or "all runs" for band in bands]


def draw_band(ax, band, color, label=None, linestyle="-", marker="o"):
    """The seed mean of one line as line and markers, its seed min..max as a band."""
    ax.fill_between(band.x, band.low, band.high, color=color, alpha=0.18, lw=0)
    ax.plot(band.x, band.mean, linestyle=linestyle, marker=marker, ms=3.5, color=color, label=label)


def _score_label(score: str, table) -> str:
    if score.endswith("accuracy"):
        return "accuracy\n(solid: test, dashed: val)"
    return "test MSE (log)" if "o5" in set(np.asarray(table.get("task", [])).tolist()) else "test loss (log)"


def draw_study_row(axes, table, x, lines, measures, colors=None, log_x=True):
    """One study's row of panels: ``lambda`` (absolute, log), ``relative``
    (lambda over the mean of all variances, log), ``bias`` and, where
    ``measures["scores"]`` is not empty, the scores, each against column ``x``.

    Parameters
    ----------
    axes : sequence of 3 or 4 Axes
    table : mapping of str to ndarray (see :func:`liegg.study.files.read_table`)
    x : str
    lines : sequence of str
        Columns that tell the lines apart (see :func:`liegg.study.aggregate.seed_bands`).
    measures : dict
        As returned by :func:`liegg.study.aggregate.study_measures`.
    colors : dict, optional
        Colour of each value of the first line column, in the order to draw;
        by default one colour of :func:`ordered_colors` per line.

    Returns
    -------
    list of SeedBand
        The absolute lambda panel's lines.

    Examples
    --------
    >>> from liegg.study.aggregate import study_measures
    >>> table = {"task": ["o5"] * 4, "depth": [1, 1, 2, 2], "n_parameters": [10, 10, 20, 20],
    ...          "seed": [0, 1, 0, 1], "algebra_dim": [10] * 4, "lambda_k": [1.0, 3.0, 0.5, 0.7],
    ...          "rel_lambda_k": [0.1] * 4, "bias_block_k": [0.1] * 4, "test_loss": [0.2] * 4}
    >>> fig, axes = plt.subplots(1, 4)
    >>> [(band.line, band.mean.tolist()) for band in draw_study_row(axes, table, "n_parameters", ["depth"],
    ...                                                              study_measures(table))]
    [((('depth', 1),), [2.0]), ((('depth', 2),), [0.6])]
    >>> axes[1].get_ylabel().split(":")[0], axes[3].get_ylabel()
    ('relative', 'test MSE (log)')
    >>> plt.close(fig)
    """
    k = measures.get("k")
    name = rf"\lambda_{{{k}}}" if k else r"\lambda_{\min}"
    panels = [
        (measures["lambda"], rf"absolute: ${name}$ (log)" if not k else rf"absolute: ${name}$, {k}th smallest (log)"),
        (measures["relative"], rf"relative: ${name} / \bar\lambda$ (log)"),
        (measures["bias"], f"block bias of the {k} most invariant" if k else r"bias of the $\lambda_{\min}$ generator"),
    ]
    drawn = []
    for ax, (column, label) in zip(axes, panels):
        bands = _ordered(seed_bands(table, x, column, lines), colors)
        for band, color, line_name in zip(bands, _colors(bands, colors), line_labels(bands)):
            draw_band(ax, band, color, label=line_name)
        ax.set_ylabel(label)
        drawn.append(bands)
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    axes[2].set_ylim(bottom=0)
    if len(axes) > 3 and measures["scores"]:
        for score in measures["scores"]:
            bands = _ordered(seed_bands(table, x, score, lines), colors)
            style = "--" if score.startswith("val") else "-"
            for band, color in zip(bands, _colors(bands, colors)):
                draw_band(axes[3], band, color, linestyle=style)
        axes[3].set_ylabel(_score_label(measures["scores"][0], table))
        if not measures["scores"][0].endswith("accuracy"):
            axes[3].set_yscale("log")
    for ax in axes:
        if log_x:
            ax.set_xscale("log")
            low, high = ax.get_xlim()
            if np.floor(np.log10(high)) > np.ceil(np.log10(low)) - 1e-9:  # a decade is labelled
                ax.xaxis.set_minor_formatter(NullFormatter())  # 2x10^4, 3x10^4, ... would overlap
            else:  # less than a decade: label 2x and 5x only
                ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
                ax.xaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False,
                                                                     minor_thresholds=(np.inf, np.inf)))
    axes[-1].legend(*axes[0].get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=6.5)
    return drawn[0]


def _ordered(bands, colors):
    if colors is None:
        return bands
    order = list(colors)
    return sorted(bands, key=lambda b: order.index(b.line[0][1]) if b.line[0][1] in order else len(order))


def _colors(bands, colors):
    if colors is None:
        return ordered_colors(len(bands))
    return [colors.get(band.line[0][1], "0.5") for band in bands]


def label_row(ax, text: str) -> None:
    """Write a row's label (study, task, architecture) above its first panel."""
    ax.set_title(text, loc="left", fontweight="bold")
