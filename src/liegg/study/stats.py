"""Tests of the paper's findings whose null distributions are exact at a few seeds and settings.

* **trend** -- Spearman rank correlation of the seed-averaged measure with a
  setting value (e.g. ``lambda_min`` vs ``n_parameters``), computed inside each
  value of a grouping column (``within: depth``) and averaged over the groups.
  Null: no trend, so inside each group every order of the settings' means is
  equally likely. The p-value counts, among all those orders (enumerated when
  there are at most :data:`MAX_EXACT` combinations, else :data:`N_RANDOM`
  random ones), those whose statistic is at least as far on the expected side.
  With 3 settings in one group there are 6 orders and no p-value falls below
  1/6: a verdict then needs more settings or more groups.
* **compare** -- mean ``log10(measure[regime] / measure[baseline])`` over runs
  paired by seed (and layer). Null: no effect, so each seed's mean log ratio is
  as likely to have either sign; the p-value counts the ``2^n`` sign flips of
  the ``n`` seeds. With 3 seeds the smallest p-value is 1/8: a verdict needs
  at least 5 seeds (1/32).
* **share** -- the share of settings whose seed-mean measure is below a
  threshold, against a share the finding needs; the same share is computed for
  every seed alone.
* **agrees** -- Spearman rho between two readings of the same (run, candidate) pairs
  (LieGG's relative variance of each candidate algebra against its finite variance).
  Null: inside each run the second reading is unrelated to the first, so every
  assignment of a run's values to its candidates is equally likely; the p-value
  counts those assignments (all of them, or :data:`N_RANDOM` random ones).
* **names** -- the share of runs whose spectrum names the expected algebra
  (see :func:`liegg.study.symmetries.name_algebra`), with an exact binomial
  test against the share the finding needs.

Every test also reports how many seeds agree: the seeds whose own statistic
(their values alone) lies on the expected side. Verdict rules, at a one-sided
level :data:`ALPHA`: trend and compare are ``reproduced`` when the p-value on
the expected side is below it, ``not reproduced`` when the p-value on the
other side is, else ``inconclusive``; share is ``reproduced`` (``not
reproduced``) when every seed's share is at least (below) the share needed;
names by the binomial p-values on either side.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, rankdata

__all__ = [
    "ALPHA", "MAX_EXACT", "N_RANDOM", "MIN_SETTINGS", "MIN_SEEDS", "TestResult", "spearman", "trend_test",
    "compare_test", "share_test", "names_test", "agreement_test", "verdict",
]  # fmt: skip

#: One-sided level of every test.
ALPHA = 0.05
#: Largest number of permutations (or sign flips) enumerated exactly.
MAX_EXACT = 200_000
#: Random permutations drawn when there are more (fixed random seed).
N_RANDOM = 100_000
#: Fewest distinct setting values a trend group needs to be used.
MIN_SETTINGS = 3
#: Fewest seeds per setting for a share verdict (each seed must agree).
MIN_SEEDS = 3


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test.

    Attributes
    ----------
    value : float
        The statistic (mean Spearman rho, mean log10 ratio or share).
    p_value, p_other : float
        One-sided p-values on the expected and on the other side (NaN for share).
    n_settings : int
        Settings behind the statistic (runs, for names).
    n_seeds : int
        Seeds: the fewest of any setting (trend, share) or the seeds paired (compare).
    seeds_agree : int
        Seeds whose own statistic lies on the expected side.
    n_groups : int
        Groups used (trend).
    method : str
        How the p-values were computed.
    p_min : float
        The smallest p-value on the expected side this design can give (settings x
        seeds x test), whatever the data: the observed statistic at the extreme of the
        null distribution. NaN for share.
    note : str
        Why no verdict can be given, when none can ('' otherwise).
    """

    value: float
    p_value: float
    p_other: float
    n_settings: int
    n_seeds: int
    seeds_agree: int
    n_groups: int = 1
    method: str = ""
    note: str = ""
    p_min: float = math.nan


def spearman(x, y) -> float:
    """Spearman rank correlation; NaN when either side is constant.

    Examples
    --------
    >>> spearman([1, 2, 3, 4], [10, 20, 25, 100])
    1.0
    >>> spearman([1, 2, 3], [3, 2, 1])
    -1.0
    """
    rx, ry = rankdata(np.asarray(x, float)), rankdata(np.asarray(y, float))
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho of ``x`` (n,) with every row of ``y`` (B, n); NaN for a constant row."""
    rx = rankdata(x) - (len(x) + 1) / 2
    ry = rankdata(y, axis=-1)
    ry = ry - ry.mean(-1, keepdims=True)
    denom = np.sqrt((rx**2).sum() * (ry**2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ry * rx).sum(-1) / denom
    return np.where(denom > 0, rho, np.nan)


def _labels(values) -> tuple[np.ndarray, list]:
    """Integer codes (n,) of hashable labels, and the labels in first-seen order."""
    index, codes = {}, []
    for value in values:
        codes.append(index.setdefault(value, len(index)))
    return np.asarray(codes, dtype=int), list(index)


def _one_sided(null: np.ndarray, observed: float, sign: int) -> tuple[float, float]:
    """P(null at least as far as ``observed`` on side ``sign``), and on the other side."""
    tol = 1e-12 * max(1.0, abs(observed))
    toward = float(np.mean(sign * null >= sign * observed - tol))
    away = float(np.mean(-sign * null >= -sign * observed - tol))
    return toward, away


def _smallest_p(null: np.ndarray, sign: int) -> float:
    """The p-value on side ``sign`` of the most extreme value the null distribution holds."""
    extreme = float(np.max(sign * null)) * sign
    return _one_sided(null, extreme, sign)[0]


def _group_orders(values: np.ndarray, x: np.ndarray, rng, exact: bool, n_draws: int) -> np.ndarray:
    """Spearman rho of ``x`` with every order (or ``n_draws`` random orders) of ``values``."""
    if exact:
        orders = np.array(list(itertools.permutations(range(len(values)))))
    else:
        orders = np.argsort(rng.random((n_draws, len(values))), axis=1)
    return _spearman_rows(x, values[orders])


def trend_test(x, y, seed_ids, sign: int, *, groups=None, settings=None, rng_seed: int = 0) -> TestResult:
    """Does ``y`` fall (``sign=-1``) or rise (``+1``) with ``x``? An exact permutation test.

    Rows sharing a setting (by default: the same ``x``) are averaged over
    their seeds; inside each group (by default: one group) with at least
    :data:`MIN_SETTINGS` distinct ``x`` the Spearman rho of the settings'
    means against their ``x`` is computed, and the statistic is the mean rho
    over those groups. See the module notes for the null distribution.

    Parameters
    ----------
    x, y : array_like of shape ``(n,)``
        Setting value (e.g. parameter count) and measure (e.g. lambda_min).
    seed_ids : array_like of shape ``(n,)``
    sign : {-1, 1}
        The direction the finding predicts.
    groups, settings : array_like of shape ``(n,)``, optional
        Group label of each row (e.g. the depth) and setting label (hashable).

    Examples
    --------
    >>> x = [1, 2, 3, 4, 5] * 2
    >>> t = trend_test(x, [5, 4, 3, 2, 1, 5.5, 4, 3.5, 2, 1.5], [0] * 5 + [1] * 5, sign=-1)
    >>> t.value, round(t.p_value, 4), t.seeds_agree, t.method     # 1 of 120 orders is this steep
    (-1.0, 0.0083, 2, 'exact: 120 orders')
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    seeds = np.asarray(seed_ids).tolist()
    groups = [None] * len(x) if groups is None else list(groups)
    settings = x.tolist() if settings is None else list(settings)
    codes, labels = _labels(list(zip(groups, settings)))
    means = np.array([y[codes == c].mean() for c in range(len(labels))])
    setting_x = np.array([x[codes == c][0] for c in range(len(labels))])
    group_codes, group_labels = _labels([label[0] for label in labels])
    used = [np.flatnonzero(group_codes == g) for g in range(len(group_labels))]
    used = [s for s in used if len(np.unique(setting_x[s])) >= MIN_SETTINGS]
    n_seeds = min(len(set(np.asarray(seeds, dtype=object)[codes == c].tolist())) for c in range(len(labels)))
    if not used:
        return TestResult(
            math.nan,
            math.nan,
            math.nan,
            0,
            n_seeds,
            0,
            0,
            "",
            f"too few settings: no group has {MIN_SETTINGS} distinct setting values",
        )
    observed = float(np.nanmean([_spearman_rows(setting_x[s], means[s][None])[0] for s in used]))
    n_combos = math.prod(math.factorial(len(s)) for s in used)
    exact = n_combos <= MAX_EXACT
    rng = np.random.default_rng(rng_seed)
    if exact:
        # The mean over groups of independent orders: every combination of the groups' rhos.
        null = np.zeros(1)
        for s in used:
            null = (null[:, None] + _group_orders(means[s], setting_x[s], rng, True, 0)[None, :]).ravel()
        method = f"exact: {n_combos} orders"
    else:
        null = sum(_group_orders(means[s], setting_x[s], rng, False, N_RANDOM) for s in used)
        method = f"{N_RANDOM} random orders of {n_combos}"
    null = null / len(used)
    p_value, p_other = _one_sided(null, observed, sign)
    # Each seed alone: its own values of the used settings (where it has them).
    agree = 0
    for seed in set(seeds):
        mine = np.array([s == seed for s in seeds])
        rhos = []
        for s in used:
            values = [y[(codes == c) & mine] for c in s]
            if all(len(v) for v in values):
                rhos.append(spearman(setting_x[s], [v.mean() for v in values]))
        value = np.nanmean(rhos) if rhos and np.isfinite(rhos).any() else math.nan
        agree += int(math.isfinite(value) and sign * value > 0)
    return TestResult(
        observed,
        p_value,
        p_other,
        sum(len(s) for s in used),
        n_seeds,
        agree,
        len(used),
        method,
        p_min=_smallest_p(null, sign),
    )


def compare_test(regime, baseline, seed_ids, sign: int) -> TestResult:
    """Mean ``log10(regime / baseline)`` over pairs, and an exact sign-flip test over seeds.

    Parameters
    ----------
    regime, baseline : array_like of shape ``(n,)``
        The measure of the two runs of each pair (positive).
    seed_ids : array_like of shape ``(n,)``
        The pair's seed, the unit of the test: each seed's mean log ratio
        keeps or flips its sign.
    sign : {-1, 1}

    Examples
    --------
    >>> t = compare_test([1.0, 10.0, 1.0, 2.0, 3.0], [10.0, 100.0, 10.0, 20.0, 30.0], [0, 1, 2, 3, 4], sign=-1)
    >>> t.value, t.p_value, t.seeds_agree                     # 1 of 32 sign patterns
    (-1.0, 0.03125, 5)
    """
    regime, baseline = np.asarray(regime, float), np.asarray(baseline, float)
    if not (np.all(regime > 0) and np.all(baseline > 0)):
        raise ValueError("compare_test: a log ratio needs positive values on both sides")
    diff = np.log10(regime / baseline)
    codes, seeds = _labels(np.asarray(seed_ids).tolist())
    per_seed = np.array([diff[codes == c].mean() for c in range(len(seeds))])
    observed = float(diff.mean())
    weights = np.array([(codes == c).sum() for c in range(len(seeds))]) / len(diff)
    n = len(seeds)
    if 2**n <= MAX_EXACT:
        flips = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        method = f"exact: {2**n} sign flips"
    else:
        flips = np.where(np.random.default_rng(0).random((N_RANDOM, n)) < 0.5, -1.0, 1.0)
        method = f"{N_RANDOM} random sign flips of {2**n}"
    null = flips @ (weights * per_seed)
    p_value, p_other = _one_sided(null, observed, sign)
    agree = int((sign * per_seed > 0).sum())
    return TestResult(
        observed, p_value, p_other, len(diff) // max(n, 1), n, agree, 1, method, p_min=_smallest_p(null, sign)
    )


def share_test(y, seed_ids, settings, below: float, at_least: float) -> TestResult:
    """Share of settings whose seed-mean ``y`` is below ``below``, and the same share per seed.

    Examples
    --------
    >>> t = share_test([0.01, 0.02, 0.5, 0.6], [0, 1, 0, 1], ["a", "a", "b", "b"], below=0.1, at_least=0.5)
    >>> t.value, t.n_settings, t.seeds_agree
    (0.5, 2, 2)
    """
    y = np.asarray(y, float)
    seeds = np.asarray(seed_ids).tolist()
    codes, labels = _labels(list(settings))
    means = np.array([y[codes == c].mean() for c in range(len(labels))])
    value = float((means < below).mean())
    agree = 0
    for seed in set(seeds):
        mine = np.array([s == seed for s in seeds])
        own = [y[(codes == c) & mine] for c in range(len(labels))]
        own = np.array([v.mean() for v in own if len(v)])
        agree += int(len(own) > 0 and (own < below).mean() >= at_least)
    n_seeds = min(len(set(np.asarray(seeds, dtype=object)[codes == c].tolist())) for c in range(len(labels)))
    return TestResult(value, math.nan, math.nan, len(labels), n_seeds, agree, 1, f"{len(set(seeds))} seeds, each alone")


def agreement_test(x, y, run_ids, seed_ids, sign: int = 1) -> TestResult:
    """Do two readings rank the candidates of each run alike? Spearman rho over all
    (run, candidate) pairs, with a permutation test inside each run.

    Parameters
    ----------
    x, y : array_like of shape ``(n,)``
        The two readings of each (run, candidate) pair.
    run_ids, seed_ids : array_like of shape ``(n,)``
        The run of each pair (its values are permuted among its candidates) and its seed.
    sign : {1, -1}
        1: the readings should rise together.

    Examples
    --------
    >>> x = [0.1, 2.0, 0.2, 1.5, 0.05, 1.8, 0.3, 2.2]          # LieGG: candidate a below b
    >>> y = [0.2, 3.0, 0.1, 2.5, 0.1, 2.0, 0.4, 3.5]           # finite: the same in every run
    >>> t = agreement_test(x, y, [0, 0, 1, 1, 2, 2, 3, 3], [0, 0, 1, 1, 2, 2, 3, 3])
    >>> round(t.value, 3), t.p_value, t.method                  # 1 of 16 assignments
    (0.934, 0.0625, 'exact: 16 assignments')
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    codes, runs = _labels(np.asarray(run_ids).tolist())
    members = [np.flatnonzero(codes == c) for c in range(len(runs))]
    observed = spearman(x, y)
    n_combos = math.prod(math.factorial(len(m)) for m in members)
    rng = np.random.default_rng(0)
    if n_combos <= MAX_EXACT:
        choices = [list(itertools.permutations(m)) for m in members]
        draws = [np.concatenate(c) for c in itertools.product(*choices)]
        method = f"exact: {n_combos} assignments"
    else:
        draws = [np.concatenate([rng.permutation(m) for m in members]) for _ in range(N_RANDOM // 10)]
        method = f"{N_RANDOM // 10} random assignments of {n_combos}"
    order = np.concatenate(members)
    permuted = np.empty((len(draws), len(y)))
    permuted[:, order] = y[np.array(draws)]
    null = _spearman_rows(x, permuted)
    p_value, p_other = _one_sided(null, observed, sign)
    seeds = np.asarray(seed_ids).tolist()
    agree = sum(int(sign * spearman(x[mine], y[mine]) > 0)
                for seed in set(seeds) for mine in [np.array([s == seed for s in seeds])])  # fmt: skip
    return TestResult(
        observed, p_value, p_other, len(runs), len(set(seeds)), agree, 1, method, p_min=_smallest_p(null, sign)
    )


def names_test(named, expected: str, seed_ids, at_least: float) -> TestResult:
    """Share of runs whose spectrum names ``expected``; exact binomial p-values
    against the share ``at_least`` (one-sided, on either side).

    Examples
    --------
    >>> t = names_test(["so2"] * 6, "so2", [0, 1, 2, 0, 1, 2], at_least=0.5)
    >>> t.value, t.p_value, t.seeds_agree          # 6 of 6: (1/2)^6
    (1.0, 0.015625, 3)
    """
    hits = np.array([n == expected for n in named])
    seeds = np.asarray(seed_ids).tolist()
    k, n = int(hits.sum()), len(hits)
    p_value = binomtest(k, n, at_least, alternative="greater").pvalue
    p_other = binomtest(k, n, at_least, alternative="less").pvalue
    agree = sum(int(hits[np.array([s == seed for s in seeds])].mean() >= at_least) for seed in set(seeds))
    return TestResult(
        k / n,
        float(p_value),
        float(p_other),
        n,
        len(set(seeds)),
        agree,
        1,
        f"exact binomial, {n} runs",
        p_min=float(at_least**n),
    )


def verdict(test: TestResult, kind: str, at_least: float | None = None, n_seeds_total: int | None = None) -> str:
    """``reproduced``, ``not reproduced`` or ``inconclusive`` (see the module notes).

    Examples
    --------
    >>> verdict(TestResult(-0.9, 0.01, 0.99, 4, 3, 3), "trend")
    'reproduced'
    >>> verdict(TestResult(0.2, 0.4, 0.7, 4, 3, 1), "trend")
    'inconclusive'
    >>> verdict(TestResult(0.9, math.nan, math.nan, 12, 3, 3), "share", at_least=0.8, n_seeds_total=3)
    'reproduced'
    """
    if test.note:
        return "inconclusive"
    if kind == "share":
        if test.n_seeds < MIN_SEEDS:  # one or two seeds all agreeing says little
            return "inconclusive"
        if test.seeds_agree == n_seeds_total and test.value >= at_least:
            return "reproduced"
        if test.seeds_agree == 0 and test.value < at_least:
            return "not reproduced"
        return "inconclusive"
    if test.p_value < ALPHA:
        return "reproduced"
    if test.p_other < ALPHA:
        return "not reproduced"
    return "inconclusive"
