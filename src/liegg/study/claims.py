"""The paper's findings tested on the study tables: one row per claim, with its verdict.

A claim of the config names a test of :mod:`liegg.study.stats` (trend, share
or compare), the studies and table it reads, the measure and, for trends, the
setting it is correlated with. :func:`evaluate_claims` checks the claim
against the tables, runs the test and turns its interval into a verdict;
:func:`claims_markdown` writes the table a reviewer reads.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from .stats import (
    MIN_SETTINGS,
    TrendTest,
    compare_test,
    share_test,
    share_verdict,
    sizes,
    trend_test,
    verdict,
    why_inconclusive,
)

__all__ = ["IDENTITY_COLUMNS", "CLAIM_COLUMNS", "criterion", "evaluate_claims", "claims_markdown"]

#: Columns that identify a run's setting (with ``seed``, the run itself); those
#: a table lacks count as empty. ``layer`` only exists in ``layers.csv``.
IDENTITY_COLUMNS = ("study", "task", "arch", "depth", "width", "kernel_size", "regime", "n_train", "layer")
#: Columns of a row of :func:`evaluate_claims`, in order.
CLAIM_COLUMNS = (
    "id", "finding", "test", "studies", "table", "measure", "against", "within", "below", "at_least",
    "regime", "baseline", "expect", "statistic", "value", "low", "high", "n_settings", "n_seeds",
    "n_groups", "n_boot", "verdict", "criterion", "note",
)  # fmt: skip



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
        why, outcome = why_inconclusive(result, MIN_SETTINGS), verdict(result, sign)
    elif claim["test"] == "share":
        result = share_test(y, seeds, [_identity(r) for r in rows], claim["below"], n_boot, level, rng_seed)
        why, outcome = why_inconclusive(result, 1), share_verdict(result, claim["at_least"])
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
        why, outcome = why_inconclusive(result, 1), verdict(result, sign)
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
        n_settings, n_seeds, n_groups = sizes(result) if result is not None else (0, 0, 0)
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
