"""Datasets with a known symmetry, generated from a seed."""

from __future__ import annotations

import torch

from .images import gaussian_blur, rotate_images

__all__ = ["o5_target", "make_o5", "vector_scales", "make_rotated_digits"]


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
    n_train = n_samples - n_val - n_test
    if n_train < 1 or n_val < 1 or n_test < 1:
        raise ValueError(f"bad split: {n_samples} samples, {n_val} val, {n_test} test")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, 10, generator=gen, dtype=torch.float64)
    y = o5_target(x)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n_samples)}
    data = {}
    for split, (lo, hi) in bounds.items():
        data[f"x_{split}"], data[f"y_{split}"] = x[lo:hi], y[lo:hi]
    return data


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


def make_rotated_digits(
    images,
    labels,
    n_samples: int,
    n_val: int,
    n_test: int,
    seed: int,
    rotate: bool = True,
    blur_sigma: float = 1.5,
) -> dict[str, torch.Tensor]:
    """Rotation-MNIST: digits rotated by seeded random angles, then blurred.

    A seeded permutation picks ``n_samples`` digits; each is rotated
    counter-clockwise (as displayed) by an angle uniform in ``[0, 360)``
    degrees, bilinearly about the image centre (:func:`liegg.images.rotate_images`),
    then blurred with a Gaussian of ``blur_sigma`` pixels so that
    finite-difference gradients are meaningful. With ``rotate=False`` the
    angles are 0 (the upright control). Pixel values are in ``[0, 1]``;
    the models standardise them (statistics of the training split only).

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

    Returns
    -------
    dict with ``x_<split> (n, H, W)`` float32, ``y_<split> (n,)`` int64 and
    ``angle_<split> (n,)`` float32 (degrees) for ``train``, ``val``, ``test``.

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
    if rotate:
        x = rotate_images(x, angles)
    x = gaussian_blur(x, blur_sigma).to(torch.float32)
    y = labels[pick].to(torch.int64)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n_samples)}
    data = {}
    for split, (lo, hi) in bounds.items():
        data[f"x_{split}"], data[f"y_{split}"] = x[lo:hi], y[lo:hi]
        data[f"angle_{split}"] = angles[lo:hi].to(torch.float32)
    return data
