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

__all__ = [
    "Symmetry", "SYMMETRIES", "get_symmetry", "task_action", "true_algebra", "reference_algebra",
    "candidate_dimensions", "candidate_measures", "name_algebra", "NAMING_MAX_BIAS", "NAMING_MIN_GAP",
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
#: ... and the (k+1)-th variance is at least this many times the k-th.
NAMING_MIN_GAP = 2.0


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
