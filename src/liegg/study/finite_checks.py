"""The finite check of a trained run: LieGG's infinitesimal reading asked again of finite
group elements (:func:`liegg.finite_variance`, :func:`liegg.finite_accuracy`).

Per transformation family of the task, at magnitudes spanning the data's range, on the
test split: the finite variance over the run's mean symmetry variance (so it ranks beside
``rel_var_<candidate>``) and, for classifiers, the test accuracy under the transformation.
Families: for images ``so2`` (rotations), ``scale`` (scalings about the centre) and, for the
affine action, ``translations`` (shifts along x and y); for vectors each candidate algebra
(its orthonormal basis, at the rotation angles); for every task ``learned``, the ``k``
most invariant generators of the run itself (k = the dimension of the reference algebra).
"""

from __future__ import annotations

import math

import torch

from ..finite import finite_accuracy, finite_variance
from ..groups import algebra_basis

__all__ = ["ROTATION_DEGREES", "SCALE_FACTORS", "SHIFT_PIXELS", "finite_families", "finite_checks"]

#: Rotations (degrees), scalings (factors) and shifts (pixels) of the finite check.
ROTATION_DEGREES = (5, 30, 90)
SCALE_FACTORS = (1.1, 1.4)
SHIFT_PIXELS = (1, 2, 4)


def _rotation_magnitudes() -> dict:
    # A unit generator of a plane rotation, (e_j e_i^T - e_i e_j^T) / sqrt(2), turns by t / sqrt(2).
    return {f"{a}deg": math.sqrt(2) * math.radians(a) for a in ROTATION_DEGREES}


def finite_families(task: str, action, candidates: dict, x: torch.Tensor) -> dict:
    """``{family: (generators (n, d, d) float64, {label: t})}`` for one task's action.

    Examples
    --------
    >>> from liegg.study.symmetries import get_symmetry
    >>> sym = get_symmetry("rotmnist")
    >>> families = finite_families("rotmnist", sym.action, sym.candidates, torch.zeros(1, 28, 28))
    >>> sorted(families), sorted(families["scale"][1])
    (['scale', 'so2'], ['x1.1', 'x1.4'])
    """
    d = action.dim
    if task != "rotmnist":  # vectors: every candidate, at the rotation angles
        return {name: (algebra_basis(algebra, d, dtype=torch.float64), _rotation_magnitudes())
                for name, algebra in candidates.items()}  # fmt: skip
    families = {
        "so2": (algebra_basis(candidates["so2"], d, dtype=torch.float64), _rotation_magnitudes()),
        # I / sqrt(2) scales by exp(t / sqrt(2)).
        "scale": (algebra_basis(candidates["scale"], d, dtype=torch.float64),
                  {f"x{f:g}": math.sqrt(2) * math.log(f) for f in SCALE_FACTORS}),
    }  # fmt: skip
    if "translations" in candidates:
        pixels = action.unit_pixels(x)
        families["translations"] = (algebra_basis(candidates["translations"], d, dtype=torch.float64),
                                    {f"{p}px": p / pixels for p in SHIFT_PIXELS})  # fmt: skip
    return families


def finite_checks(model, x, labels, action, families: dict, learned: torch.Tensor, mean_variance: float,
                  settings: dict, classifier: bool) -> dict:  # fmt: skip
    """The finite check's columns of one run.

    Parameters
    ----------
    model : nn.Module
    x : Tensor ``(N, ...)``, the test split
    labels : Tensor ``(N,)`` or None
    action : liegg.Action
    families : dict
        :func:`finite_families`.
    learned : Tensor ``(k, d, d)``
        The run's ``k`` most invariant generators (family ``learned``, at the rotation angles).
    mean_variance : float
        The mean of the run's ``D`` symmetry variances.
    settings : dict
        The run's ``liegg`` settings (``outputs``, ``normalize``, ``chunk_size``).
    classifier : bool
        Also the accuracy under each element.

    Returns
    -------
    dict with, per family and magnitude label, ``rel_fv_<family>_<label>`` (the finite
    variance, averaged over the family's generators, over ``mean_variance``) and, for
    classifiers, ``acc_<family>_<label>`` (averaged over the generators); per family
    ``rel_fv_<family>``, the mean over its magnitudes.
    """
    families = {**families, "learned": (learned.to(torch.float64), _rotation_magnitudes())}
    out = {}
    for family, (generators, magnitudes) in families.items():
        labels_t, ts = list(magnitudes), torch.tensor(list(magnitudes.values()), dtype=torch.float64)
        g = generators.to(x.dtype)
        fv = finite_variance(model, x, action, g, ts, outputs=settings["outputs"], normalize=settings["normalize"],
                             chunk_size=settings["chunk_size"]).mean(dim=0)  # fmt: skip
        rel = (fv / mean_variance).tolist()
        for label, value in zip(labels_t, rel, strict=True):
            out[f"rel_fv_{family}_{label}"] = value
        out[f"rel_fv_{family}"] = sum(rel) / len(rel)
        if classifier:
            acc = finite_accuracy(model, x, labels, action, g, ts, chunk_size=settings["chunk_size"]).mean(dim=0)
            for label, value in zip(labels_t, acc.tolist(), strict=True):
                out[f"acc_{family}_{label}"] = value
    return out
