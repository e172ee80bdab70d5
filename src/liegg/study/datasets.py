"""Datasets with a known symmetry, generated from a seed."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..images import gaussian_blur, rotate_images, transform_images
from . import mnist

__all__ = [
    "o5_target", "lorentz_target", "so3_target", "make_o5", "make_lorentz", "make_so3", "make_rotated_digits",
    "colour_digits", "make_data", "MAKERS",
]  # fmt: skip


def o5_target(x: torch.Tensor) -> torch.Tensor:
    r"""The O(5)-invariant regression target of the EMLP paper.

    :math:`y = \sin\|x_1\| - \|x_2\|^3/2 + x_1\cdot x_2 / (\|x_1\|\|x_2\|)`
    with ``x = (x1, x2)``, each in R^5.

    Parameters
    ----------
    x : Tensor of shape ``(N, 10)``

    Returns
    -------
    Tensor of shape ``(N, 1)``.

    Examples
    --------
    >>> x = torch.randn(4, 10, dtype=torch.float64)
    >>> q, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))
    >>> rotated = (x.reshape(4, 2, 5) @ q.T).reshape(4, 10)
    >>> bool(torch.allclose(o5_target(x), o5_target(rotated)))
    True
    """
    x1, x2 = x[:, :5], x[:, 5:]
    n1, n2 = x1.norm(dim=1), x2.norm(dim=1)
    y = torch.sin(n1) - 0.5 * n2**3 + (x1 * x2).sum(dim=1) / (n1 * n2)
    return y[:, None]


def minkowski(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Minkowski product of four-vectors ``(..., 4)``, eta = diag(1, -1, -1, -1), time first."""
    return p[..., 0] * q[..., 0] - (p[..., 1:] * q[..., 1:]).sum(dim=-1)


def lorentz_target(x: torch.Tensor) -> torch.Tensor:
    r"""A Lorentz-invariant target of four four-momenta, after the particle-interaction
    task of the EMLP paper (the form of a two-to-two scattering amplitude):

    :math:`y = (p_1\cdot p_3)(p_2\cdot p_4) + (p_1\cdot p_4)(p_2\cdot p_3) + (p_1\cdot p_2)`,

    with Minkowski products (:func:`minkowski`). Invariant to SO(1,3) acting on
    every momentum at once; its algebra so(1,3) has dimension 6 of gl(4)'s 16.

    Parameters
    ----------
    x : Tensor of shape ``(N, 16)``, the momenta ``p_1..p_4`` one after another.

    Examples
    --------
    >>> x = torch.randn(3, 16, dtype=torch.float64)
    >>> r = torch.linalg.matrix_exp(0.7 * torch.tensor([[0.0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
    ...                                                dtype=torch.float64))   # a boost along x
    >>> boosted = (x.reshape(3, 4, 4) @ r.T).reshape(3, 16)
    >>> bool(torch.allclose(lorentz_target(x), lorentz_target(boosted)))
    True
    """
    p1, p2, p3, p4 = x.reshape(len(x), 4, 4).unbind(dim=1)
    y = minkowski(p1, p3) * minkowski(p2, p4) + minkowski(p1, p4) * minkowski(p2, p3) + minkowski(p1, p2)
    return y[:, None]


def so3_target(x: torch.Tensor) -> torch.Tensor:
    r"""An SO(3)-invariant target of three 3-vectors: norms and the triple product,

    :math:`y = \|a\| - \|b\|\,\|c\|/2 + a\cdot(b \times c)`.

    The triple product changes sign under a reflection, so the symmetry is
    SO(3), not O(3); its algebra so(3) has dimension 3 of gl(3)'s 9.

    Examples
    --------
    >>> x = torch.randn(3, 9, dtype=torch.float64)
    >>> q, _ = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))
    >>> q = q * torch.sign(torch.linalg.det(q))        # a rotation
    >>> bool(torch.allclose(so3_target(x), so3_target((x.reshape(3, 3, 3) @ q.T).reshape(3, 9))))
    True
    """
    a, b, c = x.reshape(len(x), 3, 3).unbind(dim=1)
    y = a.norm(dim=1) - 0.5 * b.norm(dim=1) * c.norm(dim=1) + (a * torch.linalg.cross(b, c)).sum(dim=1)
    return y[:, None]


def _make_vectors(target, features: int, n_samples: int, n_val: int, n_test: int, seed: int):
    """``x ~ N(0, I)`` in float64, ``y = target(x)``, split train / val / test in that order."""
    n_train = n_samples - n_val - n_test
    if n_train < 1 or n_val < 1 or n_test < 1:
        raise ValueError(f"bad split: {n_samples} samples, {n_val} val, {n_test} test")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, features, generator=gen, dtype=torch.float64)
    y = target(x)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n_samples)}
    data = {}
    for split, (lo, hi) in bounds.items():
        data[f"x_{split}"], data[f"y_{split}"] = x[lo:hi], y[lo:hi]
    return data


def make_o5(n_samples: int, n_val: int, n_test: int, seed: int) -> dict[str, torch.Tensor]:
    """Sample the O(5) regression set and split it.

    ``x ~ N(0, I_10)`` in float64; the first ``n_samples - n_val - n_test``
    samples are the training split, then validation, then test.

    Returns
    -------
    dict with ``x_train (n_train, 10)``, ``y_train (n_train, 1)`` and the same
    for ``val`` and ``test``, all float64.

    Examples
    --------
    >>> data = make_o5(100, 10, 10, seed=0)
    >>> data["x_train"].shape, data["y_test"].shape
    (torch.Size([80, 10]), torch.Size([10, 1]))
    """
    return _make_vectors(o5_target, 10, n_samples, n_val, n_test, seed)


def make_lorentz(n_samples: int, n_val: int, n_test: int, seed: int) -> dict[str, torch.Tensor]:
    """The Lorentz-invariant regression set (:func:`lorentz_target`), ``x ~ N(0, I_16)``, split
    as :func:`make_o5`.

    Examples
    --------
    >>> make_lorentz(30, 5, 5, seed=0)["x_val"].shape
    torch.Size([5, 16])
    """
    return _make_vectors(lorentz_target, 16, n_samples, n_val, n_test, seed)


def make_so3(n_samples: int, n_val: int, n_test: int, seed: int) -> dict[str, torch.Tensor]:
    """The SO(3)-invariant regression set (:func:`so3_target`), ``x ~ N(0, I_9)``, split as
    :func:`make_o5`.

    Examples
    --------
    >>> make_so3(30, 5, 5, seed=0)["x_train"].shape
    torch.Size([20, 9])
    """
    return _make_vectors(so3_target, 9, n_samples, n_val, n_test, seed)


def make_rotated_digits(
    images,
    labels,
    n_samples: int,
    n_val: int,
    n_test: int,
    seed: int,
    rotate: bool = True,
    blur_sigma: float = 1.5,
    scale=None,
    translate=None,
    colour: bool = False,
) -> dict[str, torch.Tensor]:
    """Rotation-MNIST: digits rotated by seeded random angles (and scaled), then blurred.

    A seeded permutation picks ``n_samples`` digits; each is rotated
    counter-clockwise (as displayed) by an angle uniform in ``[0, 360)``
    degrees, bilinearly about the image centre (:func:`liegg.images.rotate_images`),
    then blurred with a Gaussian of ``blur_sigma`` pixels so that
    finite-difference gradients are meaningful. With ``rotate=False`` the
    angles are 0 (the upright control). With ``scale=(low, high)`` each digit
    is also scaled about the image centre by a factor drawn log-uniformly from
    that range (the group element is ``s R(theta)``), which gives data whose
    symmetry is the scaling (upright) or rotations and scalings together.
    With ``translate=t`` each digit is then shifted by a seeded offset uniform
    in ``[-t, t]`` pixels along each axis (bilinearly; the embedded digits
    leave about four empty pixels on every side), which gives data whose
    symmetry is the translations (with rotations: se(2)).
    With ``colour=True`` each digit becomes an RGB image (:func:`colour_digits`): a digit of
    a random bright colour on a background darker in every channel, one map of the intensity
    for all pixels, so the colouring commutes with moving the pixels and keeps the symmetry.
    Pixel values are in ``[0, 1]``; the models standardise them (statistics
    of the training split only).

    Parameters
    ----------
    images : array or Tensor of shape ``(M, H, W)``, uint8 (0..255)
    labels : array or Tensor of shape ``(M,)``
    n_samples, n_val, n_test : int
        The first ``n_samples - n_val - n_test`` picked digits are the training
        split, then validation, then test.
    seed : int
    rotate : bool
    blur_sigma : float
    scale : (float, float) or None
        Range of the scale factors (``0 < low <= high``); None: no scaling.
    translate : float or None
        Largest shift in pixels along each axis; None or 0: no shift.
    colour : bool
        RGB digits, ``x_<split>`` of shape ``(n, 3, H, W)``.

    Returns
    -------
    dict with ``x_<split> (n, H, W)`` (with ``colour``, ``(n, 3, H, W)``) float32, ``y_<split> (n,)`` int64,
    ``angle_<split> (n,)`` float32 (degrees) and, with ``scale``,
    ``scale_<split> (n,)`` float32 and, with ``translate``, ``shift_<split>
    (n, 2)`` float32 (pixels, x right and y up) and, with ``colour``, ``colours_<split> (n, 2, 3)``
    float32 (the digit's RGB, then the background's) for ``train``, ``val``, ``test``.

    Examples
    --------
    >>> digits = torch.randint(0, 256, (20, 8, 8), dtype=torch.uint8)
    >>> data = make_rotated_digits(digits, torch.arange(20) % 10, 10, 2, 2, seed=0)
    >>> data["x_train"].shape, data["y_val"].dtype, data["angle_test"].shape
    (torch.Size([6, 8, 8]), torch.int64, torch.Size([2]))
    """
    images, labels = torch.as_tensor(images), torch.as_tensor(labels)
    n_train = n_samples - n_val - n_test
    if n_train < 1 or n_val < 1 or n_test < 1:
        raise ValueError(f"bad split: {n_samples} samples, {n_val} val, {n_test} test")
    if n_samples > len(images):
        raise ValueError(f"n_samples={n_samples} but only {len(images)} digits are available")
    gen = torch.Generator().manual_seed(seed)
    pick = torch.randperm(len(images), generator=gen)[:n_samples]
    angles = torch.rand(n_samples, generator=gen, dtype=torch.float64) * 360.0
    if not rotate:
        angles = torch.zeros_like(angles)
    x = images[pick].to(torch.float64) / 255.0
    if scale is not None:
        low, high = (float(v) for v in scale)
        if not 0 < low <= high:
            raise ValueError(f"scale range must satisfy 0 < low <= high, got {scale}")
        # Drawn after the angles, so the angles (and the rotated-only set) do not change.
        factors = torch.exp(math.log(low) + torch.rand(n_samples, generator=gen, dtype=torch.float64)
                            * (math.log(high) - math.log(low)))
        theta = torch.deg2rad(angles)
        cos, sin = torch.cos(theta), torch.sin(theta)
        g = factors[:, None, None] * torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
        x = transform_images(x, g)
    elif rotate:
        x = rotate_images(x, angles)
    if translate:
        if translate < 0:
            raise ValueError(f"translate must be >= 0 pixels, got {translate}")
        # Drawn last, so the angles and scale factors of the other sets do not change.
        shifts = (2 * torch.rand(n_samples, 2, generator=gen, dtype=torch.float64) - 1) * float(translate)
        x = transform_images(x, torch.eye(2, dtype=torch.float64), shift=shifts)
    x = gaussian_blur(x, blur_sigma)
    if colour:  # drawn last, so the grey sets do not change
        x, colours = colour_digits(x, gen)
    x = x.to(torch.float32)
    y = labels[pick].to(torch.int64)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n_samples)}
    data = {}
    for split, (lo, hi) in bounds.items():
        data[f"x_{split}"], data[f"y_{split}"] = x[lo:hi], y[lo:hi]
        data[f"angle_{split}"] = angles[lo:hi].to(torch.float32)
        if scale is not None:
            data[f"scale_{split}"] = factors[lo:hi].to(torch.float32)
        if translate:
            data[f"shift_{split}"] = shifts[lo:hi].to(torch.float32)
        if colour:
            data[f"colours_{split}"] = colours[lo:hi].to(torch.float32)
    return data


#: A background is at most this fraction of its digit's ink in every channel, so every channel
#: shows the digit brighter than its background (by 0.6 or more in the ink's brightest channel).
BACKGROUND_SHADE = 0.4


def colour_digits(x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Grey digits ``(n, H, W)`` in ``[0, 1]`` as RGB images ``(n, 3, H, W)``.

    Per digit, a seeded colour ``c`` for the ink (uniform in the unit cube, divided by its largest
    channel) and a seeded darker one ``b`` for the background (channel ``k`` uniform in
    ``[0, BACKGROUND_SHADE c_k]``): pixel ``u`` becomes ``b + x(u) (c - b)``. The map is the same
    for every pixel, so moving the pixels before or after colouring gives the same image.

    Returns
    -------
    images : Tensor ``(n, 3, H, W)``, in ``[0, 1]``
    colours : Tensor ``(n, 2, 3)``, the ink's colour then the background's

    Examples
    --------
    >>> grey = torch.zeros(2, 4, 4, dtype=torch.float64); grey[:, 1:3, 1:3] = 1.0
    >>> rgb, colours = colour_digits(grey, torch.Generator().manual_seed(0))
    >>> ink, background = colours[:, 0], colours[:, 1]
    >>> rgb.shape, bool(torch.allclose(rgb[:, :, 1, 1], ink)), bool(torch.equal(rgb[:, :, 0, 0], background))
    (torch.Size([2, 3, 4, 4]), True, True)
    """
    n = len(x)
    ink = torch.rand(n, 3, generator=gen, dtype=x.dtype)
    ink = ink / ink.max(dim=1, keepdim=True).values
    background = torch.rand(n, 3, generator=gen, dtype=x.dtype) * BACKGROUND_SHADE * ink
    images = background[:, :, None, None] + x[:, None] * (ink - background)[:, :, None, None]
    return images, torch.stack([ink, background], dim=1)


def _rotmnist_data(n_samples, n_val, n_test, seed, rotate, blur_sigma, source, scale=None, translate=None,
                   colour=False, digits=None, mnist_files=None):
    """Read the digits named by ``source`` and build the rotated set.

    ``source="embedded"`` reads ``digits`` (``data/mnist/digits.npz``);
    ``source="download"`` reads the four IDX files ``mnist_files`` fetched by
    :func:`liegg.study.mnist.download_mnist` (training then test digits, 70 000).
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
    return make_rotated_digits(images, labels, n_samples, n_val, n_test, seed, rotate=rotate, blur_sigma=blur_sigma,
                               scale=scale, translate=translate, colour=colour)


#: How each task's dataset is made: ``MAKERS[task](**dataset_spec) -> dict`` of split tensors.
MAKERS = {"o5": make_o5, "lorentz": make_lorentz, "so3": make_so3, "rotmnist": _rotmnist_data}


def make_data(task: str, **spec) -> dict:
    """The dataset of ``task`` for the config's ``dataset`` settings (and source files).

    Examples
    --------
    >>> make_data("o5", n_samples=30, n_val=5, n_test=5, seed=0)["x_train"].shape
    torch.Size([20, 10])
    """
    if task not in MAKERS:
        raise ValueError(f"unknown task {task!r}; known: {sorted(MAKERS)}")
    return MAKERS[task](**spec)
