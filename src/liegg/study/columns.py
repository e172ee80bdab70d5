"""The columns of a study's tables, known before anything runs (plain Python, no torch).

The config's claims name columns; a typo there would otherwise surface only when the claims
are built, after every network has trained. :func:`table_columns` lists what ``runs.csv``
and ``layers.csv`` of a study will hold, from the study's settings alone; the workflow checks
every claim against it when it parses the config, and a test holds it to the smoke run's
tables. The candidate algebras' names and the finite check's magnitudes live here for the
same reason (:mod:`liegg.study.symmetries` and :mod:`liegg.study.finite_checks` use them).
"""

from __future__ import annotations

__all__ = ["CONVOLUTIONAL_ARCHS", "CANDIDATE_NAMES", "ROTATION_DEGREES", "SCALE_FACTORS", "SHIFT_PIXELS",
           "candidate_names", "finite_labels", "table_columns", "claim_columns"]  # fmt: skip

#: The architectures built of convolutions: ``width`` is their number of channels and they have a
#: ``kernel_size`` (liegg.study.models builds them).
CONVOLUTIONAL_ARCHS = ("cnn", "resnet")

#: Candidate algebras per task (``rotmnist_shifted``: digits with ``dataset.translate``).
CANDIDATE_NAMES = {
    "o5": ("so5",),
    "lorentz": ("so13", "so4"),
    "so3": ("so3",),
    "rotmnist": ("so2", "scale", "so2_scale"),
    "rotmnist_shifted": ("so2", "scale", "translations", "se2"),
}

#: Rotations (degrees), scalings (factors) and shifts (pixels) of the finite check.
ROTATION_DEGREES = (5, 30, 90)
SCALE_FACTORS = (1.1, 1.25, 1.4)
SHIFT_PIXELS = (1, 2, 4)

_IDENTITY = ("study", "run", "task", "arch", "depth", "width", "kernel_size", "regime", "n_train", "seed")
_SUMMARY = ("lambda_min", "lambda_max", "rel_lambda_min", "bias_of_lambda_min", "bias_min", "algebra_dim",
            "lambda_k", "rel_lambda_k", "gap_ratio", "bias_block_k", "closure_k", "found_dim", "closure_found")
_PER_CANDIDATE = ("bias", "angle", "gap", "rel_var", "rank", "contrast", "learned")
_CLASSIFIERS = ("rotmnist",)


def candidate_names(task: str, dataset: dict | None = None) -> tuple:
    """The candidate algebras a study's runs are read against.

    Examples
    --------
    >>> candidate_names("rotmnist", {"translate": 4})
    ('so2', 'scale', 'translations', 'se2')
    """
    shifted = task == "rotmnist" and (dataset or {}).get("translate")
    return CANDIDATE_NAMES["rotmnist_shifted" if shifted else task]


def finite_labels(task: str, dataset: dict | None = None) -> dict:
    """``{family: (magnitude labels)}`` of the finite check.

    Examples
    --------
    >>> finite_labels("rotmnist")["scale"], finite_labels("rotmnist")["translations"]
    (('x1.1', 'x1.25', 'x1.4'), ('1px', '2px', '4px'))
    """
    angles = tuple(f"{a}deg" for a in ROTATION_DEGREES)
    if task != "rotmnist":
        return {**{name: angles for name in candidate_names(task, dataset)}, "learned": angles}
    # Every digit study is shifted too, so that upright and shifted digits compare.
    return {"so2": angles, "scale": tuple(f"x{f:g}" for f in SCALE_FACTORS),
            "translations": tuple(f"{p}px" for p in SHIFT_PIXELS), "learned": angles}


def table_columns(study: dict, table: str = "runs") -> list[str]:
    """The columns of a study's ``runs.csv`` or ``layers.csv``, in order.

    Parameters
    ----------
    study : dict
        One study of the config (``task``, ``model``, ``dataset``).
    table : {"runs", "layers"}

    Examples
    --------
    >>> cols = table_columns({"task": "o5", "model": {"arch": "mlp"}, "dataset": {}})
    >>> cols[:3], "rel_fv_so5_30deg" in cols, "test_accuracy" in cols
    (['study', 'run', 'task'], True, False)
    """
    task, dataset = study["task"], study.get("dataset", {})
    identity = [c for c in _IDENTITY if c != "kernel_size" or study["model"]["arch"] in CONVOLUTIONAL_ARCHS]
    scores = ("accuracy", "loss") if task in _CLASSIFIERS else ("loss",)  # sorted, as the record stores them
    candidates = candidate_names(task, dataset)
    measures = [*_SUMMARY, *(f"{p}_{c}" for c in candidates for p in _PER_CANDIDATE)]
    measures += ["learned_algebras", "true_algebra", "named_algebra"]
    if table == "layers":  # a run's summary is stored with sorted keys, so the table's columns are too
        return [*identity, "layer", *sorted(measures), "rows"]
    if task == "rotmnist" and dataset.get("translate"):  # the affine action: readings per pixel moved too
        measures += [f"px_{p}_{c}" for c in candidates for p in _PER_CANDIDATE[3:]] + ["px_learned_algebras"]
    for family, labels in finite_labels(task, dataset).items():
        measures += [f"rel_fv_{family}_{label}" for label in labels] + [f"rel_fv_{family}"]
        if task in _CLASSIFIERS:
            measures += [f"acc_{family}_{label}" for label in labels]
    record = ["n_parameters", "best_epoch", "epochs_run", "stopped_early"]
    record += [f"{split}_{s}" for split in ("val", "test") for s in scores]
    return [*identity, *record, *sorted(measures), "rows"]


def claim_columns(claim: dict) -> list[str]:
    """The table columns a claim reads (its measure, the setting it is set against, ...).

    Examples
    --------
    >>> claim_columns({"test": "agrees", "measure": "rel_var", "against": "rel_fv", "candidates": ["so2", "scale"]})
    ['rel_var_so2', 'rel_fv_so2', 'rel_var_scale', 'rel_fv_scale']
    >>> claim_columns({"test": "trend", "measure": "lambda_min", "against": "depth", "within": "width"})
    ['lambda_min', 'depth', 'width']
    """
    test = claim["test"]
    if test == "agrees":
        return [f"{claim[k]}_{c}" for c in claim["candidates"] for k in ("measure", "against")]
    measure = {"names": "named_algebra", "learns": "learned_algebras"}.get(test) or claim["measure"]
    columns = [measure, *(claim[k] for k in ("against", "within") if claim.get(k))]
    return columns + (["regime"] if test == "compare" else [])
