"""The finite check of a trained run: LieGG's infinitesimal reading asked again of finite
group elements (:func:`liegg.finite_variance`, :func:`liegg.finite_accuracy`).

Per transformation family of the task, at magnitudes spanning the data's range, on the
test split: the finite variance over the run's mean symmetry variance (so it ranks beside
``rel_var_<candidate>``) and, for classifiers, the test accuracy under the transformation.
Families: for images ``so2`` (rotations), ``scale`` (scalings about the centre) and
``translations`` (shifts along x and y, for every digit study); for vectors each candidate algebra
(its orthonormal basis, at the rotation angles); for every task ``learned``, the ``k``
most invariant generators of the run itself (k = the dimension of the reference algebra).
"""

from __future__ import annotations

import math

import torch

from ..actions import AffineImageAction, ImageAction
from ..finite import finite_check
from ..groups import algebra_basis
from .columns import ROTATION_DEGREES, SCALE_FACTORS, SHIFT_PIXELS

_ROTATION = torch.tensor([[[0.0, -1.0], [1.0, 0.0]]], dtype=torch.float64) / math.sqrt(2)
_SCALING = torch.eye(2, dtype=torch.float64)[None] / math.sqrt(2)
_TRANSLATIONS = torch.zeros(2, 3, 3, dtype=torch.float64)
_TRANSLATIONS[0, 0, 2] = _TRANSLATIONS[1, 1, 2] = 1.0

__all__ = ["finite_families", "finite_checks"]


def finite_families(task: str, action, candidates: dict, x: torch.Tensor) -> dict:
    """``{family: (action, generators (n, d, d) float64, {label: t})}`` of one task.

    Digits are also shifted (by the affine action with the same options) whether or not the
    study reads them with it, so that networks trained on upright and on shifted digits compare.

    Examples
    --------
    >>> from liegg.study.symmetries import get_symmetry
    >>> sym = get_symmetry("rotmnist")
    >>> families = finite_families("rotmnist", sym.action, sym.candidates, torch.zeros(1, 28, 28))
    >>> sorted(families), sorted(families["scale"][2]), families["translations"][1].shape
    (['scale', 'so2', 'translations'], ['x1.1', 'x1.25', 'x1.4'], torch.Size([2, 3, 3]))
    """
    d = action.dim
    rotations = {f"{a}deg": math.sqrt(2) * math.radians(a) for a in ROTATION_DEGREES}
    if task != "rotmnist":  # vectors: every candidate, at the rotation angles
        return {name: (action, algebra_basis(algebra, d, dtype=torch.float64), rotations)
                for name, algebra in candidates.items()}  # fmt: skip
    linear = action if action.dim == 2 else ImageAction(centre=action.centre, difference=action.difference)
    affine = action if action.dim == 3 else AffineImageAction(centre=action.centre, difference=action.difference)
    # A unit generator of the plane's rotations turns by t / sqrt(2); I / sqrt(2) scales by exp(t / sqrt(2)).
    return {
        "so2": (linear, _ROTATION, rotations),
        "scale": (linear, _SCALING, {f"x{f:g}": math.sqrt(2) * math.log(f) for f in SCALE_FACTORS}),
        "translations": (affine, _TRANSLATIONS, {f"{p}px": p / affine.unit_pixels(x) for p in SHIFT_PIXELS}),
    }


def finite_checks(model, x, labels, action, families: dict, learned: torch.Tensor, mean_variance: float,
                  settings: dict, classifier: bool) -> dict:  # fmt: skip
    """The finite check's columns of one run.

    Parameters
    ----------
    model : nn.Module
    x : Tensor ``(N, ...)``, the test split
    labels : Tensor ``(N,)`` or None
    action : liegg.Action
        The run's action (for its ``learned`` generators).
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
    ``rel_fv_<family>``, its value at the family's smallest magnitude. Those are matched:
    5 degrees (t = 0.123) and a scaling by 1.1 (t = 0.135) move a pixel at radius r by about
    0.09 r and 0.10 r, so the families rank there on equal terms; per unit t**2 a larger
    motion changes the outputs less as they saturate, so values at unmatched magnitudes
    would favour the family moved further.
    """
    rotations = {f"{a}deg": math.sqrt(2) * math.radians(a) for a in ROTATION_DEGREES}
    families = {**families, "learned": (action, learned.to(torch.float64), rotations)}
    out = {}
    for family, (family_action, generators, magnitudes) in families.items():
        labels_t, ts = list(magnitudes), torch.tensor(list(magnitudes.values()), dtype=torch.float64)
        check = finite_check(model, x, family_action, generators.to(x.dtype), ts, labels=labels if classifier else None,
                             outputs=settings["outputs"], normalize=settings["normalize"],
                             chunk_size=settings["chunk_size"])  # fmt: skip
        rel = (check.variance.mean(dim=0) / mean_variance).tolist()
        for label, value in zip(labels_t, rel, strict=True):
            out[f"rel_fv_{family}_{label}"] = value
        out[f"rel_fv_{family}"] = rel[0]
        if classifier:
            for label, value in zip(labels_t, check.accuracy.mean(dim=0).tolist(), strict=True):
                out[f"acc_{family}_{label}"] = value
    return out
