"""What each task needs: its data, loss, standardisation, group action and algebra.

A task ties a dataset family to the way LieGG reads networks trained on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import mnist
from .actions import ImageAction, VectorAction
from .datasets import make_o5, make_rotated_digits, vector_scales

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


def _rotmnist_data(n_samples, n_val, n_test, seed, rotate, blur_sigma, source, digits=None, mnist_files=None):
    """Read the digits named by ``source`` and build the rotated set.

    ``source="embedded"`` reads ``digits`` (``data/mnist/digits.npz``);
    ``source="download"`` reads the four IDX files ``mnist_files`` fetched by
    :func:`liegg.mnist.download_mnist` (training then test digits, 70 000).
    """
    if source == "embedded":
        if digits is None:
            raise ValueError("source 'embedded' needs the path of data/mnist/digits.npz (digits=...)")
        images, labels = mnist.load_embedded(digits)
    elif source == "download":
        if not mnist_files:
            raise ValueError("source 'download' needs the downloaded IDX files (mnist_files=...)")
        train_x, train_y, test_x, test_y = mnist.load_downloaded(Path(mnist_files[0]).parent)
        images, labels = np.concatenate([train_x, test_x]), np.concatenate([train_y, test_y])
    else:
        raise ValueError(f"unknown MNIST source {source!r}; use 'embedded' or 'download'")
    return make_rotated_digits(images, labels, n_samples, n_val, n_test, seed, rotate=rotate, blur_sigma=blur_sigma)


def _image_standardize(x, y):
    """One mean and one standard deviation over all training pixels (a
    per-pixel statistic would break the rotation symmetry)."""
    return x.mean(), x.std(), None, None


TASKS = {
    "o5": Task(
        name="o5",
        loss="mse",
        make_data=make_o5,
        standardize=_o5_standardize,
        action=VectorAction(5),
        algebra="so",
    ),
    "rotmnist": Task(
        name="rotmnist",
        loss="cross_entropy",
        make_data=_rotmnist_data,
        standardize=_image_standardize,
        action=ImageAction(),
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
