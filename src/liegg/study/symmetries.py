"""How LieGG reads a network trained on each task: the group action on its inputs,
the candidate Lie algebras it is compared with, and which of them the data carry.

Candidates are given by name (see :func:`liegg.algebra_basis`) or by their
generator arrays. For images (the action is on pixel coordinates, gl(2)):
``so2``, the rotations ``[[0, -1], [1, 0]]``; ``scale``, the scalings about
the centre (the identity); ``so2_scale``, both. Shifted digits are read with
the affine action (3 x 3 generators in homogeneous coordinates): the same
candidates embedded, ``translations`` and ``se2`` (rotations and translations).
The vector tasks: ``so5`` for o5, ``so13`` (the Lorentz algebra) and ``so4``
for lorentz, ``so3`` for so3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..actions import AffineImageAction, ImageAction, VectorAction
from ..groups import algebra_basis
from ..metrics import principal_angles, subspace_bias
from ..spectral import Spectrum, rescale_spectrum, variance_along
from .catalogue import FOUND_MIN_GAP

__all__ = [
    "Symmetry", "SYMMETRIES", "get_symmetry", "task_action", "true_algebra", "reference_algebra",
    "candidate_dimensions", "candidate_measures", "candidate_readings", "pixel_readings", "name_algebra",
    "NAMING_MAX_BIAS", "NAMING_MIN_GAP", "LEARNED_MAX_CONTRAST",
]  # fmt: skip

_ROTATION = torch.tensor([[[0.0, -1.0], [1.0, 0.0]]], dtype=torch.float64) / math.sqrt(2)
_SCALING = torch.eye(2, dtype=torch.float64)[None] / math.sqrt(2)


def _affine(linear: torch.Tensor) -> torch.Tensor:
    """2 x 2 generators as the linear part of 3 x 3 affine ones."""
    out = torch.zeros(len(linear), 3, 3, dtype=torch.float64)
    out[:, :2, :2] = linear
    return out


_TRANSLATIONS = torch.zeros(2, 3, 3, dtype=torch.float64)
_TRANSLATIONS[0, 0, 2] = _TRANSLATIONS[1, 1, 2] = 1.0

#: A candidate of dimension k is named when the k most invariant generators lie
#: within this subspace bias of it ...
NAMING_MAX_BIAS = 0.2
#: ... and the (k+1)-th variance is at least this many times the k-th: the factor by which
#: the catalogue finds a block (one constant, defined where the torch-free catalogue jobs read it).
NAMING_MIN_GAP = FOUND_MIN_GAP


#: A candidate counts as learned, wherever it lies in the spectrum, when the directions
#: outside it change the outputs at least NAMING_MIN_GAP times more than its own do.
LEARNED_MAX_CONTRAST = 1 / NAMING_MIN_GAP


@dataclass(frozen=True)
class Symmetry:
    """The action of one task and the algebras a learned spectrum is compared with.

    Attributes
    ----------
    action : liegg.Action
    candidates : dict of str to str or Tensor
        Candidate algebras by name (``"so"`` or a basis ``(k, d, d)``).
    """

    action: object
    candidates: dict = field(default_factory=dict)


SYMMETRIES = {
    "o5": Symmetry(action=VectorAction(5), candidates={"so5": "so"}),  # so(5) acting on both 5-vectors
    "rotmnist": Symmetry(
        action=ImageAction(),
        candidates={"so2": _ROTATION, "scale": _SCALING, "so2_scale": torch.cat([_ROTATION, _SCALING])},
    ),
    "lorentz": Symmetry(action=VectorAction(4), candidates={"so13": "so(1,3)", "so4": "so"}),
    "so3": Symmetry(action=VectorAction(3), candidates={"so3": "so"}),
}

#: Digits shifted by seeded translations (``dataset.translate``): the affine action.
SHIFTED_DIGITS = Symmetry(
    action=AffineImageAction(),
    candidates={
        "so2": _affine(_ROTATION), "scale": _affine(_SCALING), "translations": _TRANSLATIONS,
        "se2": torch.cat([_affine(_ROTATION), _TRANSLATIONS]),
    },
)  # fmt: skip


def get_symmetry(task: str, dataset: dict | None = None) -> Symmetry:
    """The symmetry of a task by name (for rotmnist, of its dataset settings: shifted
    digits are read with the affine action).

    Examples
    --------
    >>> get_symmetry("o5").action
    VectorAction(dim=5)
    >>> get_symmetry("rotmnist", {"translate": 3}).action.dim
    3
    """
    if task not in SYMMETRIES:
        raise ValueError(f"no symmetry is known for task {task!r}; known: {sorted(SYMMETRIES)}")
    if task == "rotmnist" and (dataset or {}).get("translate"):
        return SHIFTED_DIGITS
    return SYMMETRIES[task]


def task_action(task: str, options: dict | None = None, dataset: dict | None = None):
    """The task's action, with the options of ``liegg.action`` in the config.

    Examples
    --------
    >>> task_action("rotmnist", {"centre": "authors"}).centre
    'authors'
    """
    action = get_symmetry(task, dataset).action
    if options:
        if not hasattr(action, "with_options"):
            raise ValueError(f"the action of task {task!r} takes no options; remove liegg.action")
        action = action.with_options(**options)
    return action


def true_algebra(task: str, dataset: dict) -> str | None:
    """The candidate the data carry, from the dataset settings; None when none does.

    Examples
    --------
    >>> true_algebra("rotmnist", {"rotate": True, "scale": [0.7, 1.4]}), true_algebra("rotmnist", {"rotate": False})
    ('so2_scale', None)
    >>> true_algebra("rotmnist", {"rotate": False, "translate": 3}), true_algebra("lorentz", {})
    ('translations', 'so13')
    """
    vector_tasks = {"o5": "so5", "lorentz": "so13", "so3": "so3"}
    if task in vector_tasks:
        return vector_tasks[task]
    rotate, scale = bool(dataset.get("rotate")), dataset.get("scale") is not None
    if dataset.get("translate"):  # the config refuses translate with scale
        return "se2" if rotate else "translations"
    return {(True, True): "so2_scale", (True, False): "so2", (False, True): "scale"}.get((rotate, scale))


def reference_algebra(task: str, dataset: dict) -> str:
    """The candidate a run's summary measures bias against: the true one, or the
    rotations for data with no continuous symmetry (the upright control)."""
    return true_algebra(task, dataset) or "so2"


def candidate_dimensions(candidates: dict, d: int) -> dict:
    """{name: k}, the dimension of each candidate algebra of ``d x d`` generators.

    Examples
    --------
    >>> candidate_dimensions(get_symmetry("rotmnist").candidates, 2)
    {'so2': 1, 'scale': 1, 'so2_scale': 2}
    """
    return {name: len(algebra_basis(algebra, d)) for name, algebra in candidates.items()}


def candidate_measures(generators: torch.Tensor, variances: torch.Tensor, candidates: dict) -> dict:
    """Per candidate of dimension k: the subspace bias of the k most invariant
    generators, the largest principal angle to it (degrees), and the gap
    ``lambda_{k+1} / lambda_k`` (NaN when k = d*d).

    Returns
    -------
    dict of ``bias_<name>``, ``angle_<name>``, ``gap_<name>``.
    """
    out = {}
    for name, k in candidate_dimensions(candidates, generators.shape[-1]).items():
        block, algebra = generators[:k], candidates[name]
        out[f"bias_{name}"] = subspace_bias(block, algebra)
        out[f"angle_{name}"] = math.degrees(float(principal_angles(block, algebra).max()))
        out[f"gap_{name}"] = float(variances[k] / variances[k - 1]) if k < len(variances) else float("nan")
    return out


def candidate_readings(spectrum: Spectrum, candidates: dict) -> dict:
    """Where each candidate algebra lies in the whole spectrum, not only in its first ``k`` directions.

    For a candidate ``C`` of dimension ``k`` (orthonormal basis ``B_1 .. B_k``):
    ``lambda(C)``, the mean of :func:`liegg.variance_along` over its basis (the
    variance of its block, whichever basis); ``rel_var_<name>`` = ``lambda(C)``
    over the mean of all ``D`` variances; ``rank_<name>``, the fewest most invariant
    generators whose span holds more than ``k - 1/2`` of the ``k`` dimensions of ``C``
    (for ``k = 1``: more than half of it; ``k`` when ``C`` is the ``k`` most invariant
    directions);
    ``contrast_<name>`` = ``lambda(C)`` over the mean variance of the ``D - k``
    directions orthogonal to ``C``; ``learned_<name>``, True when the contrast is
    at most :data:`LEARNED_MAX_CONTRAST`. ``learned_algebras``: the learned
    candidates, space separated (``none`` when none is).

    Examples
    --------
    >>> import torch
    >>> eye = torch.eye(4, dtype=torch.float64)
    >>> h = torch.stack([eye[1] - eye[2], eye[0] + eye[3], eye[1] + eye[2], eye[0] - eye[3]]).reshape(4, 2, 2) / 2**0.5
    >>> s = Spectrum(torch.ones(4), torch.tensor([0.01, 0.1, 1.0, 1.0], dtype=torch.float64), h, rows=1)
    >>> r = candidate_readings(s, SYMMETRIES["rotmnist"].candidates)   # scaling second: learned all the same
    >>> r["rank_scale"], round(r["contrast_scale"], 3), r["learned_scale"], r["learned_algebras"]
    (2, 0.149, True, 'so2 scale so2_scale')
    """
    d = spectrum.generators.shape[-1]
    variances = spectrum.variances.to(torch.float64)
    total, mean = float(variances.sum()), float(variances.mean())
    out, learned = {}, []
    for name, algebra in candidates.items():
        basis = algebra_basis(algebra, d, dtype=torch.float64)
        k = len(basis)
        block = float(variance_along(spectrum, basis).mean())
        rest = (total - k * block) / (len(variances) - k) if k < len(variances) else float("nan")
        contrast = block / rest if rest > 0 else float("inf")
        out[f"rel_var_{name}"] = block / mean
        out[f"rank_{name}"] = _span_rank(spectrum.generators, basis)
        out[f"contrast_{name}"] = contrast
        out[f"learned_{name}"] = bool(contrast <= LEARNED_MAX_CONTRAST)
        if out[f"learned_{name}"]:
            learned.append(name)
    out["learned_algebras"] = " ".join(learned) or "none"
    return out


def pixel_readings(spectrum: Spectrum, candidates: dict, basis: torch.Tensor, scales: torch.Tensor) -> dict:
    """:func:`candidate_readings` with every generator measured per pixel of motion: the same
    quantities, ``px_``-prefixed, in the geometry where a basis generator is ``scales[k]``
    long (an image action's ``displacements``; see :func:`liegg.rescale_spectrum`).

    In that geometry the coefficients ``c`` over ``basis`` become ``w = S c``: the spectrum's
    directions are those of :func:`liegg.rescale_spectrum` and a candidate spans ``S c`` of its
    own coefficients; both are written as matrices over ``basis`` so that the Frobenius
    readings apply unchanged.
    """
    basis = basis.to(torch.float64)
    flat = basis.reshape(len(basis), -1)
    scales = torch.as_tensor(scales, dtype=torch.float64)
    rescaled = rescale_spectrum(spectrum, scales, basis)
    w = rescaled.generators.reshape(len(flat), -1) @ flat.T * scales
    w = w / w.norm(dim=1, keepdim=True)
    as_matrices = lambda coeffs: torch.einsum("ik,kab->iab", coeffs, basis)  # noqa: E731
    in_pixels = Spectrum(rescaled.singular_values, rescaled.variances, as_matrices(w), rescaled.rows)
    d = basis.shape[-1]
    moved = {}
    for name, algebra in candidates.items():
        coeffs = algebra_basis(algebra, d, dtype=torch.float64).reshape(-1, d * d) @ flat.T
        moved[name] = as_matrices(coeffs * scales)
    return {f"px_{key}": value for key, value in candidate_readings(in_pixels, moved).items()}


def _span_rank(generators: torch.Tensor, basis: torch.Tensor) -> int:
    """The smallest m whose span(h_1 .. h_m) holds more than k - 1/2 of the k dimensions of
    the candidate (the sum of its squared cosines): k when the candidate is the k most
    invariant directions, more when it is tilted towards less invariant ones."""
    h = generators.to(torch.float64).reshape(len(generators), -1)
    b = basis.reshape(len(basis), -1)
    captured = (b @ h.T).pow(2).sum(dim=0).cumsum(dim=0)  # (D,): dimensions of C in the first m
    return 1 + int((captured <= len(basis) - 0.5).sum())


def name_algebra(measures: dict, dimensions: dict) -> str:
    """The candidate LieGG names: the one of highest dimension whose block lies within
    :data:`NAMING_MAX_BIAS` and stands out by a gap of at least :data:`NAMING_MIN_GAP`
    (ties: the smaller bias); ``"none"`` when no candidate does.

    Examples
    --------
    >>> m = {"bias_so2": 0.03, "gap_so2": 3.9, "bias_scale": 1.0, "gap_scale": 3.9,
    ...      "bias_so2_scale": 0.7, "gap_so2_scale": 1.1}
    >>> name_algebra(m, {"so2": 1, "scale": 1, "so2_scale": 2})
    'so2'
    """
    found = [
        (-k, measures[f"bias_{name}"], name)
        for name, k in dimensions.items()
        if measures[f"bias_{name}"] <= NAMING_MAX_BIAS and not measures[f"gap_{name}"] < NAMING_MIN_GAP
    ]
    return min(found)[2] if found else "none"
