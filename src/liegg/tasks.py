"""What each task needs: its data, loss, standardisation, group action and algebra.

A task ties a dataset family to the way LieGG reads networks trained on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .actions import VectorAction
from .datasets import make_o5, vector_scales

__all__ = ["Task", "get_task", "TASKS"]


@dataclass(frozen=True)
class Task:
    """A dataset family and how LieGG reads networks trained on it.

    Attributes
    ----------
    name : str
    loss : {"mse", "cross_entropy"}
    make_data : callable
        ``make_data(**dataset_spec) -> dict`` of ``x_<split>``, ``y_<split>`` tensors.
    standardize : callable
        ``standardize(x_train, y_train) -> (x_shift, x_scale, y_shift, y_scale)``;
        statistics from the training split only, chosen to keep the symmetry.
    action : object
        The group action for :func:`liegg.polarization_matrix`.
    algebra : str
        The Lie algebra of the symmetry known to be in the data.
    """

    name: str
    loss: str
    make_data: Callable
    standardize: Callable
    action: object
    algebra: str


def _o5_standardize(x, y):
    return torch.zeros(()), vector_scales(x, 5), y.mean(dim=0), y.std(dim=0)


TASKS = {
    "o5": Task(
        name="o5",
        loss="mse",
        make_data=make_o5,
        standardize=_o5_standardize,
        action=VectorAction(5),
        algebra="so",
    ),
}


def get_task(name: str) -> Task:
    """Look a task up by name.

    Examples
    --------
    >>> get_task("o5").loss
    'mse'
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known: {sorted(TASKS)}")
    return TASKS[name]
