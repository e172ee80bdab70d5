"""What training needs of each task: its loss, standardisation and number of outputs.

How LieGG reads a network trained on a task (its group action and algebra) is
in :mod:`liegg.study.symmetries`; how its data are made, in
:mod:`liegg.study.datasets`. Kept apart so that a training job depends on
neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["Task", "get_task", "TASKS", "vector_scales"]


@dataclass(frozen=True)
class Task:
    """A dataset family as training sees it.

    Attributes
    ----------
    name : str
    loss : {"mse", "cross_entropy"}
    standardize : callable
        ``standardize(x_train, y_train) -> (x_shift, x_scale, y_shift, y_scale)``;
        statistics from the training split only, chosen to keep the symmetry.
    n_classes : int or None
        Classes of a classification task (the network's outputs), None for
        regression (the outputs are the target's columns).
    """

    name: str
    loss: str
    standardize: Callable
    n_classes: int | None = None


def vector_scales(x: torch.Tensor, dim: int) -> torch.Tensor:
    """One RMS scale per vector block, repeated over its components.

    Dividing by it keeps any symmetry that acts on every block the same way.

    Parameters
    ----------
    x : Tensor of shape ``(N, m * dim)``

    Returns
    -------
    Tensor of shape ``(m * dim,)``.

    Examples
    --------
    >>> vector_scales(torch.tensor([[3.0, 4.0, 0.0, 1.0]]), dim=2).tolist()
    [3.535533905029297, 3.535533905029297, 0.7071067690849304, 0.7071067690849304]
    """
    blocks = x.reshape(x.shape[0], -1, dim)
    rms = blocks.pow(2).mean(dim=(0, 2)).sqrt()
    return rms.repeat_interleave(dim)


def _vector_standardize(dim: int):
    """One RMS scale per vector (a multiple of the identity commutes with every linear
    action, so it keeps O(5), the Lorentz group and SO(3) alike) and no shift."""

    def standardize(x, y):
        return torch.zeros(()), vector_scales(x, dim), y.mean(dim=0), y.std(dim=0)

    return standardize


_o5_standardize = _vector_standardize(5)


def _image_standardize(x, y):
    """One mean and one standard deviation over all training pixels (a
    per-pixel statistic would break the rotation symmetry)."""
    return x.mean(), x.std(), None, None


TASKS = {
    "o5": Task(name="o5", loss="mse", standardize=_o5_standardize),
    "rotmnist": Task(name="rotmnist", loss="cross_entropy", standardize=_image_standardize, n_classes=10),
    "lorentz": Task(name="lorentz", loss="mse", standardize=_vector_standardize(4)),
    "so3": Task(name="so3", loss="mse", standardize=_vector_standardize(3)),
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
