"""Statistics that test the paper's findings, with bootstrap intervals over seeds.

Three tests, each turned into a verdict (``reproduced`` / ``not reproduced`` /
``inconclusive``) by a fixed rule on its 95 % percentile bootstrap interval:

* **trend** -- Spearman rank correlation of the seed-averaged measure with a
  setting value (e.g. ``lambda_min`` vs ``n_parameters``), optionally computed
  inside each value of a grouping column (``within: depth``) and averaged over
  the groups. ``expect: falls`` is reproduced when the interval lies below 0,
  not reproduced when it lies above 0.
* **share** -- share of settings whose seed-mean measure is below a threshold.
  Reproduced when the interval's low end is ``>= at_least``, not reproduced when
  its high end is ``< at_least``.
* **compare** -- mean ``log10(measure[regime] / measure[baseline])`` over runs
  paired by seed (and layer, and the rest of their identity). ``expect: falls``
  is reproduced when the interval lies below 0, not reproduced when above 0.

The bootstraps resample seeds with replacement. Trend and share tests resample,
in each replicate, the seeds of every setting (of every group) independently;
the compare test resamples the seeds themselves, once per replicate, so that
its pairs stay paired. A resample of ``n`` seeds draws ``n - 1`` of them: the
spread of a resampled mean is then the standard error ``s / sqrt(n)``, which
the plain ``n``-out-of-``n`` bootstrap understates by ``sqrt((n - 1) / n)``
(it made 3-seed noise look like a trend about twice too often). With 3 seeds
the compare interval is about the range of the per-seed means: ``reproduced``
then needs every seed to agree.
A setting is one combination of a run's identity columns except its seed
(:data:`liegg.study.claims.IDENTITY_COLUMNS`). A test is ``inconclusive`` whatever its interval
when a setting has fewer than :data:`MIN_SEEDS` seeds, when a trend has no
group with :data:`MIN_SETTINGS` distinct setting values, or when the interval
is undefined; the ``note`` column of :func:`evaluate_claims` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

__all__ = [
    "MIN_SEEDS",
    "MIN_SETTINGS",
    "spearman",
    "TrendTest",
    "trend_test",
    "Estimate",
    "share_test",
    "compare_test",
    "verdict",
    "share_verdict",
    "sizes",
    "why_inconclusive",
]

#: Fewest seeds per setting for a verdict other than ``inconclusive``.
MIN_SEEDS = 3
#: Fewest distinct setting values a trend group needs to be used.
MIN_SETTINGS = 3


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (1..n) along the last axis, ties getting their average rank."""
    return rankdata(values, axis=-1)


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho of ``x`` (n,) with every row of ``y`` (B, n); NaN for a constant row."""
    rx = _ranks(x) - (len(x) + 1) / 2
    ry = _ranks(y)
    ry = ry - ry.mean(-1, keepdims=True)
    denom = np.sqrt((rx**2).sum() * (ry**2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ry * rx).sum(-1) / denom
    return np.where(denom > 0, rho, np.nan)


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


def _labels(values) -> tuple[np.ndarray, list]:
    """Integer codes (n,) of hashable labels, and the labels in first-seen order."""
    index, codes = {}, []
    for value in values:
        codes.append(index.setdefault(value, len(index)))
    return np.asarray(codes, dtype=int), list(index)


def _draw_size(n: int) -> int:
    """Draws per resample of ``n`` seeds: ``n - 1`` (see the module notes), at least 1."""
    return max(n - 1, 1)


def _setting_means(y: np.ndarray, setting_codes: np.ndarray, n_settings: int, n_boot: int, rng) -> np.ndarray:
    """Seed-mean of ``y`` per setting: row 0 the plain mean, rows 1..n_boot
    bootstrap means (each setting's runs resampled on their own) -> ``(1 + n_boot, n_settings)``."""
    means = np.empty((1 + n_boot, n_settings))
    for s in range(n_settings):
        ys = y[setting_codes == s]
        means[0, s] = ys.mean()
        means[1:, s] = ys[rng.integers(0, len(ys), size=(n_boot, _draw_size(len(ys))))].mean(-1)
    return means


def _interval(draws: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval of the finite draws; NaN when under half are finite."""
    finite = draws[np.isfinite(draws)]
    if len(finite) == 0 or len(finite) < len(draws) / 2:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    return float(low), float(high)


def _fewest_seeds(seed_codes, setting_codes, settings) -> int:
    return min((len(np.unique(seed_codes[setting_codes == s])) for s in settings), default=0)


@dataclass(frozen=True)
class TrendTest:
    """Spearman correlation of seed-averaged ``y`` with ``x``, and its bootstrap interval.

    ``rho`` is the mean over the ``n_groups`` used groups of the per-group rho;
    ``n_points`` counts the settings of the used groups, ``n_seeds`` the seeds
    of the setting with the fewest, ``n_groups_skipped`` the groups with fewer
    than ``MIN_SETTINGS`` distinct ``x`` values.
    """

    rho: float
    low: float
    high: float
    n_points: int
    n_seeds: int
    n_groups: int = 1
    n_groups_skipped: int = 0
    n_boot: int = 0


def trend_test(
    x, y, seed_ids, n_boot: int = 2000, level: float = 0.95, rng_seed=0, *, groups=None, settings=None
) -> TrendTest:
    """Does ``y`` rise or fall with ``x``? Seeds are resampled for the interval.

    Rows sharing a setting (by default: the same ``x`` value) are averaged over
    their seeds; inside each group (by default: one group) the Spearman rho of
    those means against the settings' ``x`` is computed, and the statistic is
    the mean rho over the groups with at least ``MIN_SETTINGS`` distinct ``x``.
    Each bootstrap replicate resamples the seeds of every (group, setting) with
    replacement (``n - 1`` draws of ``n``) and recomputes the statistic, the
    groups' rhos of one replicate being averaged together.

    Parameters
    ----------
    x, y : array_like of shape ``(n,)``
        Setting value (e.g. parameter count) and measure (e.g. lambda_min).
    seed_ids : array_like of shape ``(n,)``
    n_boot : int
    level : float
        Coverage of the percentile interval.
    rng_seed : int or sequence of int
    groups : array_like of shape ``(n,)``, optional
        Group label of each row (e.g. the depth): the trend is computed inside each.
    settings : array_like of shape ``(n,)``, optional
        Setting label of each row (hashable); defaults to ``x``.

    Examples
    --------
    >>> t = trend_test([1, 1, 2, 2, 3, 3], [1.0, 1.1, 2.0, 2.1, 3.0, 3.2], [0, 1, 0, 1, 0, 1])
    >>> t.rho, t.low, t.high
    (1.0, 1.0, 1.0)
    >>> x = [1, 2, 3] * 2
    >>> t = trend_test(x, [3, 2, 1, 1, 2, 3], [0] * 6, groups=["a"] * 3 + ["b"] * 3, n_boot=10)
    >>> t.rho, t.n_groups
    (0.0, 2)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    seed_codes, seeds = _labels(np.asarray(seed_ids).tolist())
    groups = [None] * len(x) if groups is None else list(groups)
    settings = x.tolist() if settings is None else list(settings)
    setting_codes, setting_labels = _labels(list(zip(groups, settings)))
    n_settings = len(setting_labels)
    member = np.zeros((len(x), n_settings))
    member[np.arange(len(x)), setting_codes] = 1.0
    setting_x = (x @ member) / member.sum(0)
    group_codes, group_labels = _labels([label[0] for label in setting_labels])
    used = [np.flatnonzero(group_codes == g) for g in range(len(group_labels))]
    used = [s for s in used if len(np.unique(setting_x[s])) >= MIN_SETTINGS]
    rng = np.random.default_rng(rng_seed)
    means = _setting_means(y, setting_codes, n_settings, n_boot, rng)
    if used:
        rhos = np.vstack([_spearman_rows(setting_x[s], means[:, s]) for s in used])
        finite = np.isfinite(rhos)
        with np.errstate(invalid="ignore"):  # NaN where every group's rho is undefined
            stat = np.where(finite, rhos, 0.0).sum(0) / finite.sum(0)
    else:
        stat = np.full(len(means), np.nan)
    low, high = _interval(stat[1:], level)
    points = np.concatenate(used) if used else np.array([], int)
    return TrendTest(
        rho=float(stat[0]), low=low, high=high, n_points=len(points),
        n_seeds=_fewest_seeds(seed_codes, setting_codes, points), n_groups=len(used),
        n_groups_skipped=len(group_labels) - len(used), n_boot=n_boot,
    )  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    """A statistic (share or mean log ratio), its bootstrap interval and sample sizes."""

    value: float
    low: float
    high: float
    n_settings: int
    n_seeds: int
    n_boot: int = 0


def share_test(y, seed_ids, settings, below: float, n_boot: int = 2000, level: float = 0.95, rng_seed=0) -> Estimate:
    """Share of settings whose seed-mean ``y`` is below ``below``; each
    setting's seeds are resampled (``n - 1`` draws of ``n``) for the interval.

    Parameters
    ----------
    y, seed_ids, settings : array_like of shape ``(n,)``
        Measure, seed and setting label (hashable) of each row.
    below : float

    Examples
    --------
    >>> e = share_test([0.01, 0.02, 0.5, 0.6], [0, 1, 0, 1], ["a", "a", "b", "b"], below=0.1, n_boot=50)
    >>> e.value, e.low, e.high, e.n_settings
    (0.5, 0.5, 0.5, 2)
    """
    y = np.asarray(y, float)
    seed_codes, _ = _labels(np.asarray(seed_ids).tolist())
    setting_codes, labels = _labels(list(settings))
    rng = np.random.default_rng(rng_seed)
    share = (_setting_means(y, setting_codes, len(labels), n_boot, rng) < below).mean(-1)
    low, high = _interval(share[1:], level)
    n_seeds = _fewest_seeds(seed_codes, setting_codes, range(len(labels)))
    return Estimate(float(share[0]), low, high, len(labels), n_seeds, n_boot)


def compare_test(
    regime, baseline, seed_ids, settings=None, n_boot: int = 2000, level: float = 0.95, rng_seed=0
) -> Estimate:
    """Mean ``log10(regime / baseline)`` over pairs; the seeds are resampled
    (``n - 1`` draws of ``n``, each drawn seed bringing all its pairs).

    Parameters
    ----------
    regime, baseline : array_like of shape ``(n,)``
        The measure of the two runs of each pair (positive).
    seed_ids : array_like of shape ``(n,)``
        The pair's seed, the unit of resampling.
    settings : array_like of shape ``(n,)``, optional
        The pair's setting apart from the seed (e.g. the layer); only counted.

    Examples
    --------
    >>> e = compare_test([1.0, 10.0, 1.0], [10.0, 100.0, 10.0], [0, 1, 2], n_boot=50)
    >>> e.value, e.low, e.high, e.n_seeds
    (-1.0, -1.0, -1.0, 3)
    """
    regime, baseline = np.asarray(regime, float), np.asarray(baseline, float)
    if not (np.all(regime > 0) and np.all(baseline > 0)):
        raise ValueError("compare_test: a log ratio needs positive values on both sides")
    diff = np.log10(regime / baseline)
    seed_codes, seeds = _labels(np.asarray(seed_ids).tolist())
    rng = np.random.default_rng(rng_seed)
    size = _draw_size(len(seeds))
    counts = rng.multinomial(size, np.full(len(seeds), 1.0 / len(seeds)), size=n_boot)[:, seed_codes]
    draws = (counts @ diff) / counts.sum(-1)  # every drawn seed has pairs: no zero sums
    low, high = _interval(draws, level)
    n_settings = len(set(settings)) if settings is not None else len(diff) // max(len(seeds), 1)
    return Estimate(float(diff.mean()), low, high, n_settings, len(seeds), n_boot)


def sizes(test) -> tuple[int, int, int]:
    """(settings, fewest seeds, groups) of a test result."""
    if isinstance(test, TrendTest):
        return test.n_points, test.n_seeds, test.n_groups
    return test.n_settings, test.n_seeds, 1


def why_inconclusive(test, min_settings: int) -> str:
    """Why no verdict can be given whatever the interval says ('' when one can)."""
    n_settings, n_seeds, n_groups = sizes(test)
    if n_groups == 0 or n_settings < min_settings:
        return f"too few settings: no group has {MIN_SETTINGS} distinct setting values"
    if n_seeds < MIN_SEEDS:
        return f"too few seeds: {n_seeds} per setting, {MIN_SEEDS} needed"
    if not (math.isfinite(test.low) and math.isfinite(test.high)):
        return "bootstrap interval undefined (constant measure?)"
    return ""


def verdict(test, expected_sign: int) -> str:
    """Verdict of a trend or compare test whose statistic should have ``expected_sign``.

    ``reproduced`` when the interval lies strictly on the expected side of 0,
    ``not reproduced`` when it lies strictly on the other side, else (and
    whenever there are too few settings or seeds) ``inconclusive``.

    Examples
    --------
    >>> verdict(TrendTest(-0.9, -1.0, -0.6, 4, 3), expected_sign=-1)
    'reproduced'
    >>> verdict(TrendTest(0.2, -0.4, 0.8, 4, 3), expected_sign=-1)
    'inconclusive'
    >>> verdict(Estimate(0.5, 0.3, 0.7, 6, 3), expected_sign=-1)
    'not reproduced'
    """
    min_settings = MIN_SETTINGS if isinstance(test, TrendTest) else 1
    if why_inconclusive(test, min_settings):
        return "inconclusive"
    if expected_sign * test.low > 0 and expected_sign * test.high > 0:
        return "reproduced"
    if expected_sign * test.low < 0 and expected_sign * test.high < 0:
        return "not reproduced"
    return "inconclusive"


def share_verdict(test: Estimate, at_least: float) -> str:
    """``reproduced`` when the interval's low end is ``>= at_least``,
    ``not reproduced`` when its high end is ``< at_least``, else ``inconclusive``.

    Examples
    --------
    >>> share_verdict(Estimate(1.0, 0.9, 1.0, 12, 3), at_least=0.8)
    'reproduced'
    >>> share_verdict(Estimate(0.5, 0.4, 0.6, 12, 3), at_least=0.8)
    'not reproduced'
    """
    if why_inconclusive(test, 1):
        return "inconclusive"
    if test.low >= at_least:
        return "reproduced"
    if test.high < at_least:
        return "not reproduced"
    return "inconclusive"
