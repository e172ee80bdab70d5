"""The paper's findings tested on the study tables: one row per claim, with its verdict.

A claim of the config names a test of :mod:`liegg.study.stats` (trend,
compare, share or names), the studies and table it reads, the measure and, for
trends, the setting it is correlated with. :func:`evaluate_claims` checks the
claim against the tables, runs the test and turns its p-values into a
verdict; :func:`claims_markdown` writes the table a reviewer reads.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from .columns import claim_columns
from .files import format_number
from .stats import ALPHA, MIN_SETTINGS, agreement_test, compare_test, names_test, share_test, trend_test, verdict

__all__ = ["IDENTITY_COLUMNS", "CLAIM_COLUMNS", "POWER_LEVEL", "criterion", "evaluate_claims", "claims_markdown"]

#: Columns that identify a run's setting (with ``seed``, the run itself); those
#: a table lacks count as empty. ``layer`` only exists in ``layers.csv``.
IDENTITY_COLUMNS = ("study", "task", "arch", "depth", "width", "kernel_size", "regime", "n_train", "layer")
#: Columns of a row of :func:`evaluate_claims`, in order.
CLAIM_COLUMNS = (
    "id", "finding", "test", "studies", "table", "measure", "against", "within", "below", "at_least",
    "regime", "baseline", "expect", "expected", "candidates", "statistic", "value", "p_value", "p_other", "method",
    "n_settings", "n_seeds", "seeds_agree", "n_groups", "verdict", "p_min", "underpowered", "loso", "fragile",
    "criterion", "note",
)  # fmt: skip
#: A claim whose design cannot reach a p-value below this (whatever the data) is underpowered.
POWER_LEVEL = 0.01


def criterion(claim: dict) -> str:
    """The verdict rule of a claim, in words (for the table).

    Examples
    --------
    >>> criterion({"test": "trend", "expect": "falls"})
    'reproduced if the one-sided p-value of a fall is below 0.05, not reproduced if that of a rise is'
    """
    if claim["test"] == "share":
        t = claim["at_least"]
        return f"reproduced if every seed's share is >= {t:g}, not reproduced if every seed's is < {t:g}"
    if claim["test"] in ("names", "learns"):
        t = claim["at_least"]
        return (f"reproduced if the binomial p-value of a share above {t:g} is below {ALPHA:g}, "
                f"not reproduced if that of a share below {t:g} is")
    if claim["test"] == "agrees":
        return (f"reproduced if the one-sided p-value of a positive rho (assignments within each run) is below "
                f"{ALPHA:g}, not reproduced if that of a negative one is")
    side, other = ("fall", "rise") if claim["expect"] == "falls" else ("rise", "fall")
    return f"reproduced if the one-sided p-value of a {side} is below {ALPHA:g}, not reproduced if that of a {other} is"


_REQUIRED = {
    "trend": ("measure", "against", "expect"),
    "share": ("measure", "below", "at_least"),
    "compare": ("measure", "regime", "baseline", "expect"),
    "names": ("expected", "at_least"),
    "learns": ("expected", "at_least"),
    "agrees": ("measure", "against", "candidates", "expect"),
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
        needed = [*claim_columns(claim), "seed"]
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


def _measure(claim: dict) -> str:
    """The column a claim reads (a names claim reads which algebra each run names, a learns
    claim which it learned)."""
    return {"names": "named_algebra", "learns": "learned_algebras"}.get(claim["test"]) or claim["measure"]


def _statistic_name(claim: dict) -> str:
    m = _measure(claim)
    if claim["test"] == "names":
        return f"share of runs whose spectrum names {claim['expected']}"
    if claim["test"] == "learns":
        return f"share of runs that learned {claim['expected']} (whole spectrum)"
    if claim["test"] == "agrees":
        return f"Spearman rho of {claim['measure']} vs {claim['against']} over (run, candidate)"
    if claim["test"] == "trend":
        within = claim.get("within")
        head = f"mean Spearman rho (within {within})" if within else "Spearman rho"
        return f"{head} of seed-mean {m} vs {claim['against']}"
    if claim["test"] == "share":
        return f"share of settings with seed-mean {m} < {claim['below']:g}"
    return f"mean log10({m} {claim['regime']} / {m} {claim['baseline']}), paired by seed"


def _evaluate(claim: dict, rows: list[dict], rng_seed) -> tuple[object, list[str]]:
    """(test result or None, notes) of one claim."""
    notes = []
    seeds_all = [_key(r.get("seed")) for r in rows]
    if claim["test"] == "names":
        named = [str(r.get("named_algebra", "")) for r in rows]
        return names_test(named, claim["expected"], seeds_all, claim["at_least"]), notes
    if claim["test"] == "learns":
        learned = [str(r.get("learned_algebras", "")).split() for r in rows]
        hits = [claim["expected"] if claim["expected"] in names else "other" for names in learned]
        return names_test(hits, claim["expected"], seeds_all, claim["at_least"]), notes
    if claim["test"] == "agrees":
        return _agreement(claim, rows), notes
    y = _numeric(claim, rows, claim["measure"])
    keep = np.isfinite(y)
    if claim["test"] == "trend":
        x = _numeric(claim, rows, claim["against"])
        keep &= np.isfinite(x)
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} of {len(rows)} rows left out (empty or non-finite values)")
    rows, y = [r for r, k in zip(rows, keep) if k], y[keep]
    if not rows:
        return None, notes + ["no rows with a finite measure"]
    seeds = [_key(r.get("seed")) for r in rows]
    sign = -1 if claim.get("expect") == "falls" else 1
    if claim["test"] == "trend":
        within = claim.get("within")
        groups = [_key(r.get(within)) for r in rows] if within else None
        result = trend_test(x[keep], y, seeds, sign, groups=groups, settings=[_identity(r) for r in rows],
                            rng_seed=rng_seed)
        n_groups = len({g for g in groups}) if groups else 1
        if result.n_groups and result.n_groups < n_groups:
            left_out = n_groups - result.n_groups
            notes.append(f"{left_out} group(s) with < {MIN_SETTINGS} distinct {claim['against']} left out")
        return result, notes
    if claim["test"] == "share":
        return share_test(y, seeds, [_identity(r) for r in rows], claim["below"], claim["at_least"]), notes
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
        return None, notes + ["no run pairs (same seed and setting) in both regimes"]
    r = np.array([np.mean(sides[claim["regime"]][p]) for p in pairs])
    b = np.array([np.mean(sides[claim["baseline"]][p]) for p in pairs])
    if not (np.all(r > 0) and np.all(b > 0)):
        return None, notes + [f"{claim['measure']} <= 0 in some pairs: no log ratio"]
    return compare_test(r, b, [p[1] for p in pairs], sign), notes


def _agreement(claim: dict, rows: list[dict]):
    """agreement_test over the (run, candidate) pairs of the rows."""
    x, y, runs, seeds = [], [], [], []
    for row in rows:
        for c in claim["candidates"]:
            x.append(_number(row.get(f"{claim['measure']}_{c}")))
            y.append(_number(row.get(f"{claim['against']}_{c}")))
            runs.append(f"{row.get('study')}/{row.get('run')}")
            seeds.append(_key(row.get("seed")))
    keep = np.isfinite(x) & np.isfinite(y)
    pick = lambda values: [v for v, k in zip(values, keep) if k]  # noqa: E731
    return agreement_test(pick(x), pick(y), pick(runs), pick(seeds), sign=1 if claim["expect"] == "rises" else -1)


def evaluate_claims(claims: list[dict], tables: dict, rng_seed: int = 0) -> list[dict]:
    """One row per claim: its statistic, exact p-values, seed agreement and verdict.

    Parameters
    ----------
    claims : list of dict
        The config's ``claims:`` entries (``id``, ``finding``, ``test``,
        ``studies``, ``measure`` or ``expected``, ``table`` and the keys of the test).
    tables : dict
        ``(study, "runs" | "layers") -> list of row dicts`` (cells may be the
        strings of :class:`csv.DictReader`).
    rng_seed : int
        Combined with each claim's id for the random permutations of a large
        trend test, so a claim's numbers do not depend on the other claims.

    Returns
    -------
    list of dict
        Keys :data:`CLAIM_COLUMNS`; empty strings where a key does not apply.
        ``p_min`` is the smallest p-value the design can give (``underpowered`` when it is
        above :data:`POWER_LEVEL`); ``loso`` the verdict without each seed in turn
        (``seed: verdict``, separated by ``; ``), and ``fragile`` is True when any of them
        differs from the verdict.

    Raises
    ------
    ValueError
        A claim the tables cannot answer (unknown study or column, absent
        regime), naming the claim and the fix.

    Examples
    --------
    >>> rows = [{"study": "s", "width": w, "seed": s, "lam": 1.0 / w + 0.01 * s}
    ...         for w in (8, 16, 32, 64, 128) for s in range(3)]
    >>> claim = {"id": "c", "finding": "lam falls with width", "test": "trend", "studies": ["s"],
    ...          "measure": "lam", "against": "width", "expect": "falls"}
    >>> out = evaluate_claims([claim], {("s", "runs"): rows})[0]
    >>> out["value"], round(out["p_value"], 4), out["verdict"], out["n_settings"], out["seeds_agree"]
    (-1.0, 0.0083, 'reproduced', 5, 3)
    >>> round(out["p_min"], 4), out["underpowered"], out["loso"], out["fragile"]   # 1 of 5! orders
    (0.0083, False, '0: reproduced; 1: reproduced; 2: reproduced', False)
    """
    ids = [c.get("id") for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"claims: ids must be unique, got {ids}; rename the repeated ones")
    out = []
    for claim in claims:
        rows = _claim_rows(claim, tables)
        seed = zlib.crc32(f"{rng_seed}:{claim['id']}".encode())
        result, notes, outcome = _judge(claim, rows, seed)
        # The verdict again without each seed in turn: one seed must not decide it.
        seeds = sorted({_key(r.get("seed")) for r in rows}, key=lambda k: (len(k), k))
        loso = {s: _judge(claim, [r for r in rows if _key(r.get("seed")) != s], seed)[2] for s in seeds}
        row = {column: "" for column in CLAIM_COLUMNS}
        row.update({k: claim[k] for k in CLAIM_COLUMNS if k in claim and k not in ("studies", "candidates")})
        row["candidates"] = " ".join(claim.get("candidates", []))
        nan = math.nan
        p_min = result.p_min if result else nan
        row.update(
            studies=", ".join(claim["studies"]), table=claim.get("table", "runs"), measure=_measure(claim),
            statistic=_statistic_name(claim), value=result.value if result else nan,
            p_value=result.p_value if result else nan, p_other=result.p_other if result else nan,
            method=result.method if result else "", n_settings=result.n_settings if result else 0,
            n_seeds=result.n_seeds if result else 0, seeds_agree=result.seeds_agree if result else 0,
            n_groups=result.n_groups if result and claim["test"] == "trend" else "",
            verdict=outcome, p_min=p_min, underpowered=bool(math.isfinite(p_min) and p_min > POWER_LEVEL),
            loso="; ".join(f"{s}: {v}" for s, v in loso.items()), fragile=any(v != outcome for v in loso.values()),
            criterion=criterion(claim), note="; ".join(notes),
        )  # fmt: skip
        out.append(row)
    return out


def _judge(claim: dict, rows: list[dict], rng_seed) -> tuple[object, list[str], str]:
    """(test result or None, notes, verdict) of one claim on some rows."""
    if not rows:
        return None, ["no rows"], "inconclusive"
    result, notes = _evaluate(claim, rows, rng_seed)
    if result is not None and result.note:
        notes.insert(0, result.note)
    total_seeds = len({_key(r.get("seed")) for r in rows})
    outcome = verdict(result, claim["test"], claim.get("at_least"), total_seeds) if result else "inconclusive"
    return result, notes, outcome


# --- Markdown ------------------------------------------------------------------------------


def _md_number(value) -> str:
    if isinstance(value, str):
        try:
            value = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return format_number(value)


def _md_cell(value) -> str:
    return _md_number(value).replace("|", "\\|").replace("\n", " ")


def _flag(value) -> bool:
    return str(value).strip().lower() in ("true", "1")


def _power(row: dict) -> str:
    """The smallest attainable p-value, marked when the design cannot reach POWER_LEVEL."""
    text = _md_number(row.get("p_min", ""))
    return f"{text} (underpowered)" if _flag(row.get("underpowered")) else text


def _robustness(row: dict) -> str:
    """``fragile: seed: verdict; ...`` when dropping a seed changes the verdict, else ``same``."""
    if row.get("loso") in (None, ""):
        return ""
    if not _flag(row.get("fragile")):
        return "same"
    changed = [item for item in str(row["loso"]).split("; ") if item.split(": ", 1)[1] != row.get("verdict")]
    return "fragile: " + "; ".join(changed)


def claims_markdown(rows: list[dict], title: str = "Claims") -> str:
    """A GitHub Markdown table of :func:`evaluate_claims` rows (numbers to 3
    significant digits), followed by the verdict rule of each claim.

    Examples
    --------
    >>> row = {"id": "c", "finding": "x falls", "test": "trend", "statistic": "Spearman rho",
    ...        "value": -0.912345, "p_value": 0.0083, "p_other": 1.0, "n_settings": 5, "n_seeds": 3,
    ...        "seeds_agree": 3, "verdict": "reproduced", "note": "", "criterion": "reproduced if ...",
    ...        "p_min": 0.0083, "underpowered": False, "loso": "0: reproduced; 1: not reproduced", "fragile": True}
    >>> print(claims_markdown([row]).splitlines()[4])  # doctest: +NORMALIZE_WHITESPACE
    | c | x falls | trend | Spearman rho | -0.912 | 0.0083 | 1 | 5 | 3 of 3 | reproduced | 0.0083 |
      fragile: 1: not reproduced |  |
    """
    header = ["id", "finding", "test", "statistic", "value", "p (expected side)", "p (other side)", "settings",
              "seeds agreeing", "verdict", "smallest p possible", "without one seed", "note"]  # fmt: skip
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        agree = f"{_md_number(row.get('seeds_agree'))} of {_md_number(row.get('n_seeds'))}"
        cells = [row.get("id"), row.get("finding"), row.get("test"), row.get("statistic"), row.get("value"),
                 row.get("p_value"), row.get("p_other"), row.get("n_settings"), agree, row.get("verdict"),
                 _power(row), _robustness(row), row.get("note", "")]  # fmt: skip
        lines.append("| " + " | ".join(_md_cell(c if c is not None else "") for c in cells) + " |")
    lines += ["", f"Verdict rules (exact tests, one-sided level {ALPHA:g}; see liegg.study.stats):", ""]
    lines += [f"- `{row.get('id')}`: {row.get('criterion', '')}" for row in rows]
    return "\n".join(lines) + "\n"
