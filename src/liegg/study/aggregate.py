"""Seed statistics of study tables: per setting, the mean and spread over seeds.

A table here is a mapping ``column name -> array of shape (n_rows,)`` (see
:func:`liegg.study.files.read_table`). No plotting and no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .names import REGIMES

__all__ = ["RUNS_COLUMNS", "LAYERS_COLUMNS", "REGIMES", "SeedBand", "seed_bands", "study_measures"]

# Columns the study figures read from runs.csv and layers.csv.
RUNS_COLUMNS = (
    "study", "task", "arch", "depth", "width", "n_train", "seed", "n_parameters", "test_loss",
    "lambda_min", "rel_lambda_min", "bias_of_lambda_min", "algebra_dim", "lambda_k", "rel_lambda_k", "bias_block_k",
)
LAYERS_COLUMNS = ("study", "task", "regime", "seed", "layer", "lambda_min", "rel_lambda_min", "bias_of_lambda_min")


@dataclass(frozen=True)
class SeedBand:
    """One line of a figure: a measure against a setting value, over seeds.

    Attributes
    ----------
    line : tuple of (str, value) pairs
        The values of the line columns shared by the line's rows, e.g. ``(("depth", 2),)``.
    x : ndarray of shape ``(n,)``
        The distinct setting values, ascending.
    mean, low, high : ndarray of shape ``(n,)``
        Mean, minimum and maximum of the measure over the seeds at each ``x``.
    n_seeds : ndarray of shape ``(n,)``
        How many seeds (rows) each point has.
    """

    line: tuple
    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_seeds: np.ndarray


def _column(table, name: str) -> np.ndarray:
    if name not in table:
        raise KeyError(f"the table has no column {name!r} (columns: {', '.join(table)})")
    return np.asarray(table[name])


def seed_bands(table, x: str, y: str, lines=(), seed: str = "seed") -> list[SeedBand]:
    """Group rows into lines and points; per point, mean/min/max of ``y`` over seeds.

    Rows with equal values in the ``lines`` columns form one line (columns of
    ``lines`` the table lacks are skipped, e.g. ``kernel_size`` of an MLP
    study); inside a line, rows with equal ``x`` form one point, which must
    hold one row per seed.

    Parameters
    ----------
    table : mapping of str to array_like of shape ``(n_rows,)``
    x, y : str
        Columns of the setting value (e.g. ``n_parameters``) and of the measure.
    lines : sequence of str
        Columns that tell the lines apart (e.g. ``("depth",)``).
    seed : str
        The seed column.

    Returns
    -------
    list of SeedBand
        Sorted by the line values.

    Raises
    ------
    ValueError
        When one point has two rows of the same seed: those rows are different
        settings, and a column that tells them apart is missing from ``lines``.

    Examples
    --------
    >>> table = {"depth": [1, 1, 1, 2, 2, 2], "width": [8, 8, 16, 8, 8, 8],
    ...          "seed": [0, 1, 0, 0, 1, 2], "lambda_min": [1.0, 3.0, 5.0, 2.0, 4.0, 9.0]}
    >>> for band in seed_bands(table, "width", "lambda_min", lines=("depth", "kernel_size")):
    ...     print(band.line, band.x.tolist(), band.mean.tolist(), band.low.tolist(), band.high.tolist(),
    ...           band.n_seeds.tolist())
    (('depth', 1),) [8, 16] [2.0, 5.0] [1.0, 5.0] [3.0, 5.0] [2, 1]
    (('depth', 2),) [8] [5.0] [2.0] [9.0] [3]
    """
    xs, ys, seeds = _column(table, x), _column(table, y).astype(float), _column(table, seed)
    names = [name for name in lines if name in table]
    keys = list(zip(*(_column(table, name).tolist() for name in names))) if names else [()] * len(xs)
    bands = []
    for key in sorted(set(keys)):
        in_line = np.array([k == key for k in keys])
        points = np.unique(xs[in_line])
        mean, low, high, count = (np.empty(len(points)) for _ in range(4))
        for i, point in enumerate(points):
            rows = in_line & (xs == point)
            if len(np.unique(seeds[rows])) < rows.sum():
                where = ", ".join(f"{n}={v}" for n, v in zip(names, key))
                raise ValueError(
                    f"several rows with the same {seed} at {x}={point} ({where or 'one line'}): they are "
                    f"different settings; add the column that tells them apart to the line columns"
                )
            mean[i], low[i], high[i], count[i] = ys[rows].mean(), ys[rows].min(), ys[rows].max(), rows.sum()
        bands.append(SeedBand(tuple(zip(names, key)), points, mean, low, high, count.astype(int)))
    return bands


def study_measures(table) -> dict:
    """Which columns a study figure plots for a study's runs table.

    Studies whose symmetry algebra has more than one dimension (O(5): so(5),
    10) are read through ``lambda_k`` and ``bias_block_k`` (the k most
    invariant generators), the others through ``lambda_min`` and
    ``bias_of_lambda_min``. The score is the validation and test accuracy
    where the table has them, else the test loss (the test MSE for O(5)).

    Returns
    -------
    dict
        ``lambda``, ``relative``, ``bias``: column names (the absolute variance,
        the relative one and the bias); ``k``: the algebra dimension (``None``
        when the ``_min`` columns are used); ``scores``: list of column names.

    Examples
    --------
    >>> study_measures({"algebra_dim": [10, 10], "test_loss": [0.1, 0.2]})["lambda"]
    'lambda_k'
    >>> nan = float("nan")
    >>> measures = study_measures({"algebra_dim": [1], "val_accuracy": [0.9], "test_accuracy": [nan]})
    >>> measures  # doctest: +NORMALIZE_WHITESPACE
    {'lambda': 'lambda_min', 'relative': 'rel_lambda_min', 'bias': 'bias_of_lambda_min',
     'k': None, 'scores': ['val_accuracy']}
    """
    k = int(np.max(_column(table, "algebra_dim")))
    scores = [
        name
        for name in ("val_accuracy", "test_accuracy")
        if name in table and np.isfinite(np.asarray(table[name], dtype=float)).any()
    ]
    block = k > 1  # the so(5)-like block of k directions, or the single most invariant one
    return {
        "lambda": "lambda_k" if block else "lambda_min",
        "relative": "rel_lambda_k" if block else "rel_lambda_min",
        "bias": "bias_block_k" if block else "bias_of_lambda_min",
        "k": k if block else None,
        "scores": scores or ["test_loss"],
    }
