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
(:data:`IDENTITY_COLUMNS`). A test is ``inconclusive`` whatever its interval
when a setting has fewer than :data:`MIN_SEEDS` seeds, when a trend has no
group with :data:`MIN_SETTINGS` distinct setting values, or when the interval
is undefined; the ``note`` column of :func:`evaluate_claims` says why.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

__all__ = [
    "IDENTITY_COLUMNS",
    "MIN_SEEDS",
    "MIN_SETTINGS",
    "CLAIM_COLUMNS",
    "spearman",
    "TrendTest",
    "trend_test",
    "Estimate",
    "share_test",
    "compare_test",
    "verdict",
    "share_verdict",
    "criterion",
    "evaluate_claims",
    "claims_markdown",
]

#: Columns that identify a run's setting (with ``seed``, the run itself); those
#: a table lacks count as empty. ``layer`` only exists in ``layers.csv``.
IDENTITY_COLUMNS = ("study", "task", "arch", "depth", "width", "kernel_size", "regime", "n_train", "layer")
#: Fewest seeds per setting for a verdict other than ``inconclusive``.
MIN_SEEDS = 3
#: Fewest distinct setting values a trend group needs to be used.
MIN_SETTINGS = 3
#: Columns of a row of :func:`evaluate_claims`, in order.
CLAIM_COLUMNS = (
    "id", "finding", "test", "studies", "table", "measure", "against", "within", "below", "at_least",
    "regime", "baseline", "expect", "statistic", "value", "low", "high", "n_settings", "n_seeds",
    "n_groups", "n_boot", "verdict", "criterion", "note",
)  # fmt: skip


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties getting their average rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def _row_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (1..n) along the last axis of ``(B, n)``, ties averaged."""
    below = (values[..., None, :] < values[..., :, None]).sum(-1)
    equal = (values[..., None, :] == values[..., :, None]).sum(-1)
    return below + (equal + 1) / 2


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho of ``x`` (n,) with every row of ``y`` (B, n); NaN for a constant row."""
    rx = _ranks(x) - (len(x) + 1) / 2
    ry = _row_ranks(y)
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


def _sizes(test) -> tuple[int, int, int]:
    """(settings, fewest seeds, groups) of a test result."""
    if isinstance(test, TrendTest):
        return test.n_points, test.n_seeds, test.n_groups
    return test.n_settings, test.n_seeds, 1


def _why_inconclusive(test, min_settings: int) -> str:
    """Why no verdict can be given whatever the interval says ('' when one can)."""
    n_settings, n_seeds, n_groups = _sizes(test)
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
    if _why_inconclusive(test, min_settings):
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
    if _why_inconclusive(test, 1):
        return "inconclusive"
    if test.low >= at_least:
        return "reproduced"
    if test.high < at_least:
        return "not reproduced"
    return "inconclusive"


def criterion(claim: dict) -> str:
    """The verdict rule of a claim, in words (for the table).

    Examples
    --------
    >>> criterion({"test": "trend", "expect": "falls"})
    'reproduced if the 95% interval lies below 0, not reproduced if above 0'
    """
    if claim["test"] == "share":
        t = claim["at_least"]
        return f"reproduced if the 95% interval's low end >= {t:g}, not reproduced if its high end < {t:g}"
    side, other = ("below", "above") if claim["expect"] == "falls" else ("above", "below")
    return f"reproduced if the 95% interval lies {side} 0, not reproduced if {other} 0"


# --- claims from tables ------------------------------------------------------------------

_REQUIRED = {
    "trend": ("measure", "against", "expect"),
    "share": ("measure", "below", "at_least"),
    "compare": ("measure", "regime", "baseline", "expect"),
}


def _number(value) -> float:
    """A table cell as a float: NaN for an empty cell; ValueError for text."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return float("nan")
    return float(value)


def _key(value) -> str:
    """A table cell as a label: ``2``, ``2.0`` and ``"2"`` give the same one."""
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return repr(int(number)) if number.is_integer() else repr(number)


def _claim_rows(claim: dict, tables: dict) -> list[dict]:
    """The rows of the claim's studies, after checking the config against the tables."""
    cid, kind = claim.get("id", "?"), claim.get("table", "runs")
    test = claim.get("test")
    if test not in _REQUIRED:
        raise ValueError(f"claim {cid!r}: unknown test {test!r}; use one of {sorted(_REQUIRED)}")
    missing = [k for k in ("studies", *_REQUIRED[test]) if claim.get(k) in (None, "", [])]
    if missing:
        raise ValueError(f"claim {cid!r}: a {test} test needs {missing}; add them to the claim in the config")
    rows = []
    for study in claim["studies"]:
        if (study, kind) not in tables:
            known = sorted({s for s, k in tables if k == kind})
            raise ValueError(
                f"claim {cid!r}: study {study!r} has no {kind} table (studies with one: {known}); "
                f"fix the study name in `studies:`" + (" or set `table: runs`" if kind == "layers" else "")
            )
        table = tables[(study, kind)]
        columns = set(table[0]) if table else set()
        needed = [claim["measure"], "seed", *(claim[k] for k in ("against", "within") if claim.get(k))]
        needed += ["regime"] if test == "compare" else []
        for column in needed:
            if table and column not in columns:
                raise ValueError(
                    f"claim {cid!r}: column {column!r} is not in the {kind} table of study {study!r} "
                    f"(columns: {sorted(columns)}); fix the claim's measure/against/within in the config"
                )
        rows += table
    if test == "compare":
        present = sorted({str(r.get("regime", "")) for r in rows})
        for key in ("regime", "baseline"):
            if claim[key] not in present:
                raise ValueError(
                    f"claim {cid!r}: no run with regime {claim[key]!r} in {claim['studies']} "
                    f"(regimes present: {present}); fix the claim's {key} or add that regime to the study"
                )
    return rows


def _numeric(claim: dict, rows: list[dict], column: str) -> np.ndarray:
    try:
        return np.array([_number(r.get(column)) for r in rows], dtype=float)
    except ValueError:
        raise ValueError(
            f"claim {claim.get('id')!r}: column {column!r} is not numeric; choose a numeric column"
        ) from None


def _identity(row: dict, skip=()) -> tuple:
    return tuple(_key(row.get(c)) for c in IDENTITY_COLUMNS if c not in skip)


def _statistic_name(claim: dict) -> str:
    m = claim["measure"]
    if claim["test"] == "trend":
        within = claim.get("within")
        head = f"mean Spearman rho (within {within})" if within else "Spearman rho"
        return f"{head} of seed-mean {m} vs {claim['against']}"
    if claim["test"] == "share":
        return f"share of settings with seed-mean {m} < {claim['below']:g}"
    return f"mean log10({m} {claim['regime']} / {m} {claim['baseline']}), paired by seed"


def _evaluate(claim: dict, rows: list[dict], n_boot: int, level: float, rng_seed) -> tuple[object, str, list[str]]:
    """(test result or None, verdict, notes) of one claim."""
    notes = []
    y = _numeric(claim, rows, claim["measure"])
    keep = np.isfinite(y)
    if claim["test"] == "trend":
        x = _numeric(claim, rows, claim["against"])
        keep &= np.isfinite(x)
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} of {len(rows)} rows left out (empty or non-finite values)")
    rows, y = [r for r, k in zip(rows, keep) if k], y[keep]
    if not rows:
        return None, "inconclusive", notes + ["no rows with a finite measure"]
    seeds = [_key(r.get("seed")) for r in rows]
    sign = -1 if claim.get("expect") == "falls" else 1
    if claim["test"] == "trend":
        within = claim.get("within")
        groups = [_key(r.get(within)) for r in rows] if within else None
        result = trend_test(
            x[keep], y, seeds, n_boot, level, rng_seed, groups=groups, settings=[_identity(r) for r in rows]
        )
        if result.n_groups_skipped:
            skipped = result.n_groups_skipped
            notes.append(f"{skipped} group(s) with < {MIN_SETTINGS} distinct {claim['against']} skipped")
        why, outcome = _why_inconclusive(result, MIN_SETTINGS), verdict(result, sign)
    elif claim["test"] == "share":
        result = share_test(y, seeds, [_identity(r) for r in rows], claim["below"], n_boot, level, rng_seed)
        why, outcome = _why_inconclusive(result, 1), share_verdict(result, claim["at_least"])
    else:
        sides = {claim["regime"]: {}, claim["baseline"]: {}}
        for row, value, seed in zip(rows, y, seeds):
            side = sides.get(str(row.get("regime")))
            if side is not None:
                side.setdefault((_identity(row, skip=("regime",)), seed), []).append(value)
        pairs = sorted(set(sides[claim["regime"]]) & set(sides[claim["baseline"]]))
        unpaired = len(set(sides[claim["regime"]]) | set(sides[claim["baseline"]])) - len(pairs)
        if unpaired:
            notes.append(f"{unpaired} run(s) without a partner in the other regime left out")
        if not pairs:
            return None, "inconclusive", notes + ["no run pairs (same seed and setting) in both regimes"]
        r = np.array([np.mean(sides[claim["regime"]][p]) for p in pairs])
        b = np.array([np.mean(sides[claim["baseline"]][p]) for p in pairs])
        if not (np.all(r > 0) and np.all(b > 0)):
            return None, "inconclusive", notes + [f"{claim['measure']} <= 0 in some pairs: no log ratio"]
        result = compare_test(r, b, [p[1] for p in pairs], [p[0] for p in pairs], n_boot, level, rng_seed)
        why, outcome = _why_inconclusive(result, 1), verdict(result, sign)
    if why:
        notes.insert(0, why)
    return result, outcome, notes


def evaluate_claims(
    claims: list[dict], tables: dict, n_boot: int = 2000, level: float = 0.95, rng_seed: int = 0
) -> list[dict]:
    """One row per claim: its statistic, bootstrap interval over seeds and verdict.

    Parameters
    ----------
    claims : list of dict
        The config's ``claims:`` entries (``id``, ``finding``, ``test``,
        ``studies``, ``measure``, ``table`` and the keys of the test).
    tables : dict
        ``(study, "runs" | "layers") -> list of row dicts`` (cells may be the
        strings of :class:`csv.DictReader`).
    n_boot, level : int, float
        Bootstrap replicates and interval coverage.
    rng_seed : int
        Combined with each claim's id, so a claim's numbers do not depend on
        the other claims.

    Returns
    -------
    list of dict
        Keys :data:`CLAIM_COLUMNS`; empty strings where a key does not apply.

    Raises
    ------
    ValueError
        A claim the tables cannot answer (unknown study or column, absent
        regime), naming the claim and the fix.

    Examples
    --------
    >>> rows = [{"study": "s", "width": w, "seed": s, "lam": 1.0 / w + 0.01 * s}
    ...         for w in (8, 16, 32, 64) for s in range(3)]
    >>> claim = {"id": "c", "finding": "lam falls with width", "test": "trend", "studies": ["s"],
    ...          "measure": "lam", "against": "width", "expect": "falls"}
    >>> out = evaluate_claims([claim], {("s", "runs"): rows}, n_boot=200)[0]
    >>> out["value"], out["verdict"], out["n_settings"], out["n_seeds"]
    (-1.0, 'reproduced', 4, 3)
    """
    ids = [c.get("id") for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"claims: ids must be unique, got {ids}; rename the repeated ones")
    out = []
    for claim in claims:
        rows = _claim_rows(claim, tables)
        seed = [rng_seed, zlib.crc32(str(claim["id"]).encode())]
        result, outcome, notes = _evaluate(claim, rows, n_boot, level, seed)
        row = {column: "" for column in CLAIM_COLUMNS}
        row.update({k: claim[k] for k in CLAIM_COLUMNS if k in claim and k != "studies"})
        n_settings, n_seeds, n_groups = _sizes(result) if result is not None else (0, 0, 0)
        value = (result.rho if isinstance(result, TrendTest) else result.value) if result is not None else math.nan
        row.update(
            studies=", ".join(claim["studies"]), table=claim.get("table", "runs"), statistic=_statistic_name(claim),
            value=value, low=result.low if result else math.nan, high=result.high if result else math.nan,
            n_settings=n_settings, n_seeds=n_seeds, n_groups=n_groups if claim["test"] == "trend" else "",
            n_boot=n_boot, verdict=outcome, criterion=criterion(claim), note="; ".join(notes),
        )  # fmt: skip
        out.append(row)
    return out


# --- Markdown ------------------------------------------------------------------------------


def _md_number(value) -> str:
    if isinstance(value, str):
        try:
            value = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "n/a" if not math.isfinite(value) else f"{value:.3g}"
    return str(value)


def _md_cell(value) -> str:
    return _md_number(value).replace("|", "\\|").replace("\n", " ")


def claims_markdown(rows: list[dict], title: str = "Claims") -> str:
    """A GitHub Markdown table of :func:`evaluate_claims` rows (numbers to 3
    significant digits), followed by the verdict rule of each claim.

    Examples
    --------
    >>> row = {"id": "c", "finding": "x falls", "test": "trend", "statistic": "Spearman rho",
    ...        "value": -0.912345, "low": -1.0, "high": -0.5, "n_settings": 4, "n_seeds": 3,
    ...        "verdict": "reproduced", "note": "", "criterion": "reproduced if ..."}
    >>> print(claims_markdown([row]).splitlines()[4])
    | c | x falls | trend | Spearman rho | -0.912 | [-1, -0.5] | 4 | 3 | reproduced |  |
    """
    header = ["id", "finding", "test", "statistic", "value", "95% interval", "settings", "seeds", "verdict", "note"]
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row.get("id"), row.get("finding"), row.get("test"), row.get("statistic"), row.get("value"),
                 f"[{_md_number(row.get('low'))}, {_md_number(row.get('high'))}]", row.get("n_settings"),
                 row.get("n_seeds"), row.get("verdict"), row.get("note", "")]  # fmt: skip
        lines.append("| " + " | ".join(_md_cell(c if c is not None else "") for c in cells) + " |")
    lines += ["", "Verdict rules (95 % percentile bootstrap intervals, seeds resampled):", ""]
    lines += [f"- `{row.get('id')}`: {row.get('criterion', '')}" for row in rows]
    return "\n".join(lines) + "\n"
