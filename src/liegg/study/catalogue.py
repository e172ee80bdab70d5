"""The catalogue of symmetries: per study, the algebra its data carry and what LieGG finds.

Built from a study's two tables (``runs.csv`` and ``spectra.csv``, read by
:func:`liegg.study.files.read_table`); no file I/O and no plotting here.
"""

from __future__ import annotations

import numpy as np

from .files import format_number

__all__ = ["CATALOGUE_RUNS_COLUMNS", "CATALOGUE_SPECTRA_COLUMNS", "FOUND_MIN_GAP", "found_dimension",
           "catalogue_row", "catalogue_markdown"]  # fmt: skip

#: A block is found when the next variance is at least this many times its largest; the naming
#: rule (liegg.study.symmetries.NAMING_MIN_GAP) uses this same constant. It lives here so that
#: the catalogue's jobs do not import torch.
FOUND_MIN_GAP = 2.0

CATALOGUE_RUNS_COLUMNS = ("run", "task", "arch", "depth", "width", "seed", "true_algebra", "named_algebra",
                          "learned_algebras", "closure_found")
CATALOGUE_SPECTRA_COLUMNS = ("run", "index", "variance")


def found_dimension(variances) -> tuple[int, float]:
    """The dimension LieGG finds in one spectrum without being told the answer: the smallest
    ``k`` whose next variance is at least :data:`FOUND_MIN_GAP` times the k-th (the first
    block that stands out, read from the invariant end), and that gap
    ``lambda_{k+1} / lambda_k``; ``(0, largest gap)`` when no gap is that large.

    The first such gap, not the largest: a function of norms (the SO(3) task) has three
    invariant directions, then five that change it little, then the scaling, which changes it
    most; the largest gap would sit after eight.

    Parameters
    ----------
    variances : array of shape ``(D,)``, ascending

    Examples
    --------
    >>> found_dimension([1e-3, 1e-3, 0.5, 1.5])
    (2, 500.0)
    >>> found_dimension([0.1, 0.1, 0.1, 1.0, 1.0, 100.0])   # the first gap, not the largest
    (3, 10.0)
    >>> found_dimension([1.0, 1.2, 1.5, 1.8])
    (0, 1.25)
    """
    v = np.asarray(variances, dtype=np.float64)
    ratios = v[1:] / np.maximum(v[:-1], np.finfo(np.float64).tiny)
    passing = np.flatnonzero(ratios >= FOUND_MIN_GAP)
    if len(passing) == 0:
        return 0, float(ratios.max())
    k = int(passing[0]) + 1
    return k, float(ratios[k - 1])


def _true_dimension(runs: dict, truth: str) -> int:
    if truth == "none":
        return 0
    return int(runs["algebra_dim"][0])


def catalogue_row(study: str, runs: dict, spectra: dict) -> dict:
    """One row of the catalogue for one study (all its runs, one setting or several).

    Returns
    -------
    dict with ``study``, ``task``, ``arch``, ``networks`` (run count),
    ``generators`` (D), ``true_algebra``, ``true_dim``, ``found_dims`` (per run,
    space separated, in run order), ``runs_found_true_dim``, ``gap_median``
    (of the gap at the found dimension per run), ``angle_true_max`` (degrees; the largest
    principal angle between the true algebra and the block of its dimension,
    over runs; empty for data with no symmetry), ``bias_true_mean``,
    ``named`` (the algebra LieGG names, with counts), ``runs_named_true`` and
    ``verdict`` (``found`` when every run names the true algebra, ``partly``
    when some do, ``missed`` when none does); then the whole-spectrum reading:
    ``runs_learned_true``, ``learned`` (counts of ``learned_algebras``), ``rank_true``
    (per run), ``rel_var_true_mean``, ``closure_found_median`` and ``verdict_whole``
    (the same rule on ``runs_learned_true``); for the affine action also
    ``px_runs_learned_true``, ``px_rank_true`` and ``px_verdict_whole`` per pixel of motion
    (empty for other actions).
    """
    truths = sorted(set(runs["true_algebra"].tolist()))
    if len(truths) != 1:
        raise ValueError(f"study {study!r} mixes data of several algebras {truths}; list one dataset per study")
    truth = truths[0]
    run_ids = runs["run"].tolist()
    found, gaps = [], []
    for run in run_ids:
        pick = spectra["run"] == run
        order = np.argsort(spectra["index"][pick])
        k, gap = found_dimension(spectra["variance"][pick][order])
        found.append(k)
        gaps.append(gap)
    generators = int(np.sum(spectra["run"] == run_ids[0]))
    true_dim = _true_dimension(runs, truth)
    named = runs["named_algebra"].tolist()
    counts = {name: named.count(name) for name in sorted(set(named))}
    named_true = counts.get(truth, 0)
    verdict = "found" if named_true == len(named) else ("partly" if named_true else "missed")
    has_angle = truth != "none" and f"angle_{truth}" in runs
    whole = _whole_spectrum(runs, truth)
    return {
        "study": study,
        "task": str(runs["task"][0]),
        "arch": " ".join(sorted(set(runs["arch"].tolist()))),
        "networks": len(run_ids),
        "generators": generators,
        "true_algebra": truth,
        "true_dim": true_dim,
        "found_dims": " ".join(str(k) for k in found),
        "runs_found_true_dim": sum(k == true_dim for k in found),
        "gap_median": float(np.median(gaps)),
        "angle_true_max": float(np.max(runs[f"angle_{truth}"])) if has_angle else "",
        "bias_true_mean": float(np.mean(runs[f"bias_{truth}"])) if has_angle else "",
        "named": " ".join(f"{name}:{n}" for name, n in counts.items()),
        "runs_named_true": named_true,
        "verdict": verdict,
        **whole,
    }


def _learned_truth(learned, truth: str) -> bool:
    names = str(learned).split()
    return names == ["none"] if truth == "none" else truth in names


def _verdict(hits: int, total: int) -> str:
    return "found" if hits == total else ("partly" if hits else "missed")


def _whole_spectrum(runs: dict, truth: str) -> dict:
    """The whole-spectrum reading of a study: how many runs learned the truth (by the rule of
    :func:`liegg.study.symmetries.candidate_readings`), the truth's rank in each spectrum, its
    relative variance, the closure defect of the found blocks and, for the affine action, the
    same per pixel of motion."""
    n = len(runs["run"])
    out = {"runs_learned_true": sum(_learned_truth(v, truth) for v in runs["learned_algebras"])}
    learned = [str(v) for v in runs["learned_algebras"]]
    out["learned"] = " ".join(f"{name}:{learned.count(name)}" for name in sorted(set(learned)))
    out["rank_true"] = " ".join(str(int(r)) for r in runs[f"rank_{truth}"]) if f"rank_{truth}" in runs else ""
    out["rel_var_true_mean"] = float(np.mean(runs[f"rel_var_{truth}"])) if f"rel_var_{truth}" in runs else ""
    closure = np.asarray(runs["closure_found"], dtype=float)
    out["closure_found_median"] = float(np.nanmedian(closure)) if np.isfinite(closure).any() else ""
    out["verdict_whole"] = _verdict(out["runs_learned_true"], n)
    out.update(px_runs_learned_true="", px_rank_true="", px_verdict_whole="")  # one set of columns for all rows
    if "px_learned_algebras" in runs:
        out["px_runs_learned_true"] = sum(_learned_truth(v, truth) for v in runs["px_learned_algebras"])
        out["px_rank_true"] = " ".join(str(int(r)) for r in runs[f"px_rank_{truth}"]) if truth != "none" else ""
        out["px_verdict_whole"] = _verdict(out["px_runs_learned_true"], n)
    return out


def _cell(value) -> str:
    return format_number(value)


def _with_pixels(row: dict, key: str) -> str:
    """A cell, with its per-pixel reading beside it where the study has one."""
    text = str(row.get(key, "")) or "-"
    return f"{text} (per pixel: {row[f'px_{key}'] or '-'})" if row.get("px_verdict_whole") else text


def catalogue_markdown(rows: list[dict]) -> str:
    """The catalogue as a Markdown table, one line per study.

    Examples
    --------
    >>> print(catalogue_markdown([{"study": "a", "true_algebra": "so3", "true_dim": 3, "generators": 9,
    ...     "found_dims": "3 3", "runs_found_true_dim": 2, "networks": 2, "gap_median": 8.5,
    ...     "angle_true_max": 2.4, "bias_true_mean": 0.03, "named": "so3:2", "verdict": "found",
    ...     "task": "so3", "arch": "mlp", "runs_named_true": 2, "learned": "so3:2", "rank_true": "1 1",
    ...     "closure_found_median": 1e-3, "verdict_whole": "found"}]).splitlines()[2])
    | a | so3, mlp | so3 | 3 of 9 | 3 3 | 2 of 2 | 8.5 | 2.4 | 0.03 | so3:2 | found | so3:2 | 1 1 | 0.001 | found |
    """
    head = ("| study | task, arch | true algebra | dim | LieGG finds (per network) | right dim | "
            "its gap (median) | max angle to truth (deg) | bias to truth (mean) | LieGG names | verdict | "
            "learned, whole spectrum | rank of truth | closure of found block (median) | verdict, whole spectrum |")
    lines = [head, "|" + "---|" * 15]
    for r in rows:
        cells = [r["study"], f"{r['task']}, {r['arch']}", r["true_algebra"], f"{r['true_dim']} of {r['generators']}",
                 r["found_dims"], f"{r['runs_found_true_dim']} of {r['networks']}", _cell(r["gap_median"]),
                 _cell(r["angle_true_max"]) or "-", _cell(r["bias_true_mean"]) or "-", r["named"], r["verdict"],
                 r.get("learned", ""), _with_pixels(r, "rank_true"), _cell(r.get("closure_found_median", "")) or "-",
                 _with_pixels(r, "verdict_whole")]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
