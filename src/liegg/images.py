"""Images on a pixel grid: coordinates, resampling by a group element, blur.

Convention (the one :class:`liegg.ImageAction` uses by default): a pixel at
row ``r`` and column ``c`` of an ``H x W`` image sits at

    u = (x, y) = ((c - (W - 1) / 2) / s, ((H - 1) / 2 - r) / s),  s = (max(H, W) - 1) / 2,

so the origin is the true centre of the grid, ``x`` points right, ``y`` points
up (as the image is displayed, row 0 on top), both axes share one scale (so a
rotation stays a rotation on non-square images) and ``u`` spans ``[-1, 1]``
along the longer side. In these coordinates ``[[0, -1], [1, 0]]`` generates
counter-clockwise rotations as displayed.

A group element ``g`` (a 2x2 matrix) acts on an image by
``(g . I)(u) = I(g^{-1} u)``. Only torch is used.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["pixel_coordinates", "transform_images", "rotate_images", "gaussian_blur"]


def _as_batch(images: torch.Tensor) -> tuple[torch.Tensor, torch.Size]:
    """View ``(..., H, W)`` images as ``(B, 1, H, W)``; also return the original shape."""
    if images.ndim < 2:
        raise ValueError(f"images must have shape (..., H, W), got {tuple(images.shape)}")
    shape = images.shape
    return images.reshape(-1, 1, *shape[-2:]), shape


def pixel_coordinates(height: int, width: int, dtype=None, device=None) -> torch.Tensor:
    """Centred coordinates ``(x, y)`` of every pixel (see the module docstring).

    Parameters
    ----------
    height, width : int
    dtype, device : optional
        Torch defaults when None.

    Returns
    -------
    Tensor of shape ``(2, H, W)``: ``x`` (right) then ``y`` (up).

    Examples
    --------
    >>> u = pixel_coordinates(3, 3)
    >>> u[0].tolist()   # x: -1 in the left column, +1 in the right one
    [[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]
    >>> u[1, :, 0].tolist()   # y: +1 in the top row
    [1.0, 0.0, -1.0]
    """
    scale = max(max(height, width) - 1, 1) / 2
    rows = torch.arange(height, dtype=dtype, device=device)
    cols = torch.arange(width, dtype=dtype, device=device)
    y = ((height - 1) / 2 - rows) / scale
    x = (cols - (width - 1) / 2) / scale
    return torch.stack([x[None, :].expand(height, width), y[:, None].expand(height, width)])


def transform_images(images: torch.Tensor, g: torch.Tensor, mode: str = "bilinear", shift=None) -> torch.Tensor:
    """Resample images by group elements about the image centre, then shift them.

    ``(g . I)(u) = I(g^{-1} (u - b))`` with ``u`` the centred coordinates of
    :func:`pixel_coordinates` and ``b`` the shift; points that come from
    outside the grid are 0.

    Parameters
    ----------
    images : Tensor of shape ``(..., H, W)``
    g : Tensor of shape ``(2, 2)`` or ``(B, 2, 2)``
        One element for all images, or one per image (``B`` = number of images).
    mode : {"bilinear", "bicubic", "nearest"}
        Interpolation of :func:`torch.nn.functional.grid_sample`.
    shift : Tensor of shape ``(2,)`` or ``(B, 2)``, optional
        Translation ``b = (x right, y up)`` in pixels, after ``g``.

    Returns
    -------
    Tensor of the shape of ``images``.

    Examples
    --------
    >>> img = torch.zeros(5, 5); img[2, 4] = 1.0        # a dot right of the centre
    >>> quarter = torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # +90 degrees
    >>> (transform_images(img, quarter) > 0.5).nonzero().tolist()   # now above it
    [[0, 2]]
    >>> (transform_images(img, torch.eye(2), shift=torch.tensor([-2.0, 1.0])) > 0.5).nonzero().tolist()
    [[1, 2]]
    """
    batch, shape = _as_batch(images)
    n, _, height, width = batch.shape
    g = g.to(batch.dtype)
    g = g.expand(n, 2, 2) if g.ndim == 2 else g
    if g.shape != (n, 2, 2):
        raise ValueError(f"g must have shape (2, 2) or ({n}, 2, 2), got {tuple(g.shape)}")
    u = pixel_coordinates(height, width, dtype=batch.dtype, device=batch.device).reshape(2, -1)
    scale = max(max(height, width) - 1, 1) / 2
    u = u.expand(n, 2, u.shape[1])
    if shift is not None:
        b = torch.as_tensor(shift, dtype=batch.dtype, device=batch.device).expand(n, 2)
        u = u - b[:, :, None] / scale  # pixels -> units of u
    source = torch.linalg.solve(g, u)  # g^{-1} (u - b), (n, 2, H*W)
    # Back to the normalised grid of grid_sample (align_corners=True: -1 and +1
    # are the centres of the first and last pixel of each axis).
    gx = source[:, 0] * scale / max((width - 1) / 2, 0.5)
    gy = -source[:, 1] * scale / max((height - 1) / 2, 0.5)
    grid = torch.stack([gx, gy], dim=-1).reshape(n, height, width, 2)
    out = F.grid_sample(batch, grid, mode=mode, padding_mode="zeros", align_corners=True)
    return out.reshape(shape)


def rotate_images(images: torch.Tensor, degrees: torch.Tensor) -> torch.Tensor:
    """Rotate images counter-clockwise (as displayed) about their centre, bilinearly.

    Parameters
    ----------
    images : Tensor of shape ``(B, H, W)``
    degrees : Tensor of shape ``(B,)`` or a float

    Returns
    -------
    Tensor of shape ``(B, H, W)``.

    Examples
    --------
    >>> img = torch.rand(2, 6, 6)
    >>> bool(torch.allclose(rotate_images(img, 0.0), img))
    True
    """
    theta = torch.deg2rad(torch.as_tensor(degrees, dtype=images.dtype, device=images.device))
    theta = theta.expand(images.shape[0]) if theta.ndim == 0 else theta
    cos, sin = torch.cos(theta), torch.sin(theta)
    g = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
    return transform_images(images, g)


def gaussian_blur(images: torch.Tensor, sigma: float, truncate: float = 4.0) -> torch.Tensor:
    """Separable Gaussian blur, edges extended by their nearest pixel.

    The kernel has radius ``ceil(truncate * sigma)`` and sums to 1 (as
    ``scipy.ndimage.gaussian_filter`` with ``mode="nearest"``).

    Parameters
    ----------
    images : Tensor of shape ``(..., H, W)``
    sigma : float
        Standard deviation in pixels; 0 returns the images unchanged.

    Returns
    -------
    Tensor of the shape of ``images``.

    Examples
    --------
    >>> img = torch.zeros(9, 9, dtype=torch.float64); img[4, 4] = 1.0
    >>> out = gaussian_blur(img, 1.0)
    >>> round(float(out.sum()), 6), bool(out[4, 4] < 1)
    (1.0, True)
    """
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    if sigma == 0:
        return images
    batch, shape = _as_batch(images)
    radius = max(int(math.ceil(truncate * sigma)), 1)
    offsets = torch.arange(-radius, radius + 1, dtype=batch.dtype, device=batch.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    padded = F.pad(batch, (radius, radius, radius, radius), mode="replicate")
    out = F.conv2d(padded, kernel.reshape(1, 1, 1, -1))
    out = F.conv2d(out, kernel.reshape(1, 1, -1, 1))
    return out.reshape(shape)
