"""Statistics that test the paper's findings, with bootstrap intervals over seeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["spearman", "TrendTest", "trend_test", "verdict"]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties getting their average rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x, y) -> float:
    """Spearman rank correlation; NaN when either side is constant.

    Examples
    --------
    >>> spearman([1, 2, 3, 4], [10, 20, 25, 100])
    1.0
    >>> spearman([1, 2, 3], [3, 2, 1])
    -1.0
    """
    rx, ry = _ranks(np.asarray(x, float)), _ranks(np.asarray(y, float))
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


@dataclass(frozen=True)
class TrendTest:
    """Spearman correlation of seed-averaged ``y`` with ``x``, and its bootstrap interval."""

    rho: float
    low: float
    high: float
    n_points: int
    n_seeds: int


def trend_test(x, y, seed_ids, n_boot: int = 2000, level: float = 0.95, rng_seed: int = 0) -> TrendTest:
    """Does ``y`` rise or fall with ``x``? Seeds are resampled for the interval.

    Points sharing an ``x`` value are one setting; ``y`` is averaged over the
    seeds of each setting before ranking. Each bootstrap draw resamples, for
    every setting, its seeds with replacement.

    Parameters
    ----------
    x, y : array_like of shape ``(n,)``
        Setting value (e.g. parameter count) and measure (e.g. lambda_min).
    seed_ids : array_like of shape ``(n,)``
    n_boot : int
    level : float
        Coverage of the percentile interval.

    Examples
    --------
    >>> t = trend_test([1, 1, 2, 2, 3, 3], [1.0, 1.1, 2.0, 2.1, 3.0, 3.2], [0, 1, 0, 1, 0, 1])
    >>> t.rho, t.low, t.high
    (1.0, 1.0, 1.0)
    """
    x, y, seed_ids = (np.asarray(a) for a in (x, y, seed_ids))
    settings = np.unique(x)
    groups = [y[x == s].astype(float) for s in settings]
    rho = spearman(settings, [g.mean() for g in groups])
    rng = np.random.default_rng(rng_seed)
    draws = []
    for _ in range(n_boot):
        means = [rng.choice(g, size=len(g), replace=True).mean() for g in groups]
        draws.append(spearman(settings, means))
    draws = np.asarray(draws)
    draws = draws[np.isfinite(draws)]
    tail = (1 - level) / 2
    low, high = (np.quantile(draws, [tail, 1 - tail]) if len(draws) else (np.nan, np.nan))
    return TrendTest(rho=rho, low=float(low), high=float(high), n_points=len(settings), n_seeds=len(np.unique(seed_ids)))


def verdict(test: TrendTest, expected_sign: int) -> str:
    """``reproduced`` when the interval excludes 0 on the expected side,
    ``not reproduced`` when it excludes 0 on the other side, else ``inconclusive``.

    Examples
    --------
    >>> verdict(TrendTest(-0.9, -1.0, -0.6, 4, 3), expected_sign=-1)
    'reproduced'
    >>> verdict(TrendTest(0.2, -0.4, 0.8, 4, 3), expected_sign=-1)
    'inconclusive'
    """
    if not np.isfinite(test.low) or test.n_points < 3:
        return "inconclusive"
    if expected_sign * test.low > 0 and expected_sign * test.high > 0:
        return "reproduced"
    if expected_sign * test.low < 0 and expected_sign * test.high < 0:
        return "not reproduced"
    return "inconclusive"
