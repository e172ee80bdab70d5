"""Infinitesimal actions of gl(d) on network inputs.

An action turns a batch of inputs ``x`` into the ``d*d`` tangent vectors
``t_ab(x) = A_ab . x``, one per basis generator ``A_ab = e_a e_b^T`` (row-major
order: index ``a * d + b``). A row of the polarization matrix is then the
directional derivative ``J_Phi(x) t_ab(x)``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from .images import pixel_coordinates, transform_images

__all__ = ["Action", "VectorAction", "ImageAction", "AffineImageAction", "generator_basis"]


@runtime_checkable
class Action(Protocol):
    """What LieGG needs of a group action: any object with these two members.

    Attributes
    ----------
    dim : int
        The generators are ``dim x dim`` matrices, ``D = dim**2`` of them in the basis.

    Methods
    -------
    tangents(x)
        Tensor of shape ``(D, *x.shape)``: for each basis generator ``A_ab``
        (row-major index ``a * dim + b``) the first-order change of every
        sample, ``d/dt exp(t A_ab) . x`` at ``t = 0`` (up to one overall sign).

    For finite transformations (:func:`liegg.finite_variance`) an action also
    needs ``act(x, g)``, the inputs moved by a group element ``g`` (``(dim, dim)``),
    and ``tangent_scale(x)``, the factor between its tangents and
    ``d/dt exp(tA) . x`` (1 for vectors; ``1 / pixels per unit`` for images,
    whose derivatives are per pixel).

    An action may also have ``basis``, a Tensor ``(D, dim, dim)`` orthonormal in
    the Frobenius inner product: the generators whose tangents ``tangents``
    returns, when they are not all ``dim**2`` elementary matrices (see
    :class:`AffineImageAction`). The learned generators are then combinations
    of these (:func:`generator_basis`).

    Examples
    --------
    >>> isinstance(VectorAction(3), Action), isinstance(object(), Action)
    (True, False)
    """

    dim: int

    def tangents(self, x: torch.Tensor) -> torch.Tensor: ...


def generator_basis(action) -> torch.Tensor | None:
    """The action's ``basis`` (``(D, dim, dim)``, float64), or None for the ``dim**2``
    elementary matrices ``e_a e_b^T`` in row-major order.

    Examples
    --------
    >>> generator_basis(VectorAction(2)) is None, generator_basis(AffineImageAction()).shape
    (True, torch.Size([6, 3, 3]))
    """
    basis = getattr(action, "basis", None)
    return None if basis is None else torch.as_tensor(basis).to(torch.float64)


class VectorAction:
    """GL(dim) acting at once on every consecutive block of ``dim`` input features.

    For inputs ``x = (v_1, ..., v_m)`` with ``v_j`` in R^dim, the tangent of basis
    generator ``A_ab`` is zero except in component ``a`` of every vector, where it
    equals ``v_{j,b}``.

    Parameters
    ----------
    dim : int
        Dimension ``d`` of each vector; the input's trailing size must be a
        multiple of it.

    Examples
    --------
    >>> action = VectorAction(2)
    >>> x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])   # two vectors of R^2
    >>> action.tangents(x).shape                   # (d*d, N, features)
    torch.Size([4, 1, 4])
    >>> action.tangents(x)[1].tolist()             # A_01 moves component 0 by v_1
    [[2.0, 0.0, 4.0, 0.0]]
    """

    def __init__(self, dim: int):
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self.dim = dim

    def __repr__(self) -> str:
        return f"VectorAction(dim={self.dim})"

    def tangents(self, x: torch.Tensor) -> torch.Tensor:
        """Tangent vectors of all ``d*d`` basis generators.

        Parameters
        ----------
        x : Tensor of shape ``(N, ..., F)`` with ``F`` a multiple of ``dim``.

        Returns
        -------
        Tensor of shape ``(d*d, *x.shape)``.
        """
        d = self.dim
        if x.shape[-1] % d:
            raise ValueError(f"input has {x.shape[-1]} features, not a multiple of dim={d}")
        v = x.reshape(*x.shape[:-1], x.shape[-1] // d, d)
        eye = torch.eye(d, dtype=x.dtype, device=x.device)
        t = torch.einsum("ac,...b->ab...c", eye, v)
        return t.reshape(d * d, *x.shape)

    def tangent_scale(self, x: torch.Tensor) -> float:
        """The tangents are ``d/dt exp(tA) . x`` times this: 1 (see :func:`liegg.finite_variance`)."""
        return 1.0

    def act(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """The group element ``g`` (``(d, d)``) applied to every vector of ``x``: ``v -> g v``.

        Examples
        --------
        >>> VectorAction(2).act(torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, -1.0], [1.0, 0.0]])).tolist()
        [[-2.0, 1.0]]
        """
        d = self.dim
        if x.shape[-1] % d:
            raise ValueError(f"input has {x.shape[-1]} features, not a multiple of dim={d}")
        v = x.reshape(*x.shape[:-1], x.shape[-1] // d, d)
        return (v @ g.to(x.dtype).T).reshape(x.shape)


_CENTRES = ("true", "authors")
_DIFFERENCES = ("central", "forward")


class ImageAction:
    r"""GL(2) acting on the pixel coordinates of images.

    The tangent of basis generator ``A_ab`` at image ``I`` is

    .. math:: t_{ab}(I)(u) = -\partial_a I(u)\, u_b,

    the first-order change of ``(g . I)(u) = I(\exp(-tA_{ab})\, u)``, with
    ``u`` the pixel coordinates and ``\partial_a I`` the finite-difference
    derivative per pixel. With the default ``centre="true"``, ``u = (x, y)``
    are the centred coordinates of :func:`liegg.images.pixel_coordinates`
    (origin at ``((H-1)/2, (W-1)/2)``, ``x`` right, ``y`` up, one scale
    ``s = (max(H, W) - 1)/2`` for both axes, so ``u`` spans ``[-1, 1]``); then
    ``sum_ab A_ab t_ab`` equals ``d/dt (exp(tA) . I)`` at ``t = 0`` divided by
    ``s`` (derivatives per pixel, not per unit of ``u``, which keeps the
    symmetry variances on the scale of the authors' code), and
    ``[[0, -1], [1, 0]]`` generates counter-clockwise rotations as displayed.
    The overall sign does not change the null space.

    Parameters
    ----------
    centre : {"true", "authors"}
        ``"true"``: the convention above. ``"authors"``: the authors' code,
        kept to reproduce their numbers: ``u = (row, col) / (H // 2) - 1``
        (coordinate 0 is the row axis, pointing down; origin at pixel
        ``(H // 2, W // 2)``, half a pixel off the true centre in each axis)
        and ``\partial = (\partial_{row}, \partial_{col})``.
    difference : {"central", "forward"}
        ``"central"``: ``(I[i+1] - I[i-1]) / 2`` inside, one-sided at the border
        (:func:`torch.gradient`). ``"forward"``: ``I[i+1] - I[i]`` as in the
        authors' code, whose last row and column are dropped (their tangents
        are 0 there).
    image_shape : (int, int) or (int, int, int), optional
        ``(H, W)`` or ``(C, H, W)`` for flattened inputs of shape ``(N, C*H*W)``;
        images of shape ``(N, H, W)`` or ``(N, C, H, W)`` need none. One square
        channel when omitted.

    Images may have any height and width and any number of channels ``C``:
    the action moves the pixels of all channels together (the tangent of a
    channel is that channel's derivative times ``u``), so the tangents cost
    ``C`` times those of one channel.

    Examples
    --------
    >>> action = ImageAction()
    >>> x = torch.rand(3, 8, 8)
    >>> action.tangents(x).shape                      # (d*d, *x.shape)
    torch.Size([4, 3, 8, 8])
    >>> action.tangents(x.reshape(3, 64)).shape       # flattened works too
    torch.Size([4, 3, 64])
    >>> action.tangents(torch.rand(2, 3, 6, 10)).shape  # colour, not square
    torch.Size([4, 2, 3, 6, 10])
    """

    dim = 2

    def __init__(self, centre: str = "true", difference: str = "central", image_shape=None):
        if centre not in _CENTRES:
            raise ValueError(f"centre must be one of {_CENTRES}, got {centre!r}")
        if difference not in _DIFFERENCES:
            raise ValueError(f"difference must be one of {_DIFFERENCES}, got {difference!r}")
        self.centre, self.difference = centre, difference
        self.image_shape = None if image_shape is None else tuple(int(n) for n in image_shape)
        if self.image_shape is not None and len(self.image_shape) not in (2, 3):
            raise ValueError(f"image_shape must be (H, W) or (C, H, W), got {image_shape!r}")

    def __repr__(self) -> str:
        return f"ImageAction(centre={self.centre!r}, difference={self.difference!r}, image_shape={self.image_shape})"

    def with_options(self, **options) -> "ImageAction":
        """A copy with some of ``centre``, ``difference``, ``image_shape`` changed."""
        kwargs = {"centre": self.centre, "difference": self.difference, "image_shape": self.image_shape}
        unknown = sorted(set(options) - set(kwargs))
        if unknown:
            raise ValueError(f"unknown ImageAction options {unknown}; known: {sorted(kwargs)}")
        return ImageAction(**{**kwargs, **options})

    def _images(self, x: torch.Tensor) -> torch.Tensor:
        """The single-channel images of ``x``, every channel of every sample: ``(N*C, H, W)``."""
        if x.ndim == 2:
            if self.image_shape is not None:
                channels, height, width = (1, *self.image_shape)[-3:]
            else:
                channels, height, width = 1, *(2 * [int(round(x.shape[1] ** 0.5))])
            if channels * height * width != x.shape[1]:
                raise ValueError(
                    f"flattened inputs with {x.shape[1]} features are not {channels}x{height}x{width} images; "
                    "pass image_shape=(H, W) or (C, H, W)"
                )
            return x.reshape(len(x) * channels, height, width)
        if x.ndim not in (3, 4):
            raise ValueError(f"images must be (N, H, W), (N, C, H, W) or flattened (N, C*H*W), got {tuple(x.shape)}")
        return x.reshape(-1, *x.shape[-2:])

    def _derivatives(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-pixel derivatives along rows (down) and columns (right)."""
        if self.difference == "central":
            return torch.gradient(images, dim=(1, 2))
        d_row = torch.zeros_like(images)
        d_col = torch.zeros_like(images)
        d_row[:, :-1, :-1] = images[:, 1:, :-1] - images[:, :-1, :-1]
        d_col[:, :-1, :-1] = images[:, :-1, 1:] - images[:, :-1, :-1]
        return d_row, d_col

    def coordinates(self, height: int, width: int, dtype=None, device=None) -> torch.Tensor:
        """Coordinates ``u`` of every pixel in this action's convention: ``(2, H, W)``."""
        if self.centre == "true":
            return pixel_coordinates(height, width, dtype=dtype, device=device)
        scale = max(height, width) // 2
        rows = torch.arange(height, dtype=dtype, device=device) / scale - 1
        cols = torch.arange(width, dtype=dtype, device=device) / scale - 1
        cols = cols + (1 - (width // 2) / scale)  # origin at column W // 2 (the same for square images)
        rows = rows + (1 - (height // 2) / scale)
        return torch.stack([rows[:, None].expand(height, width), cols[None, :].expand(height, width)])

    def generator_in_xy(self, h: torch.Tensor) -> torch.Tensor:
        """Express generators ``(..., 2, 2)`` in the ``(x right, y up)`` coordinates.

        The identity for ``centre="true"``; for ``"authors"`` the change of
        basis from ``(row down, col right)``. Either way ``[[0, -1], [1, 0]]``
        is the counter-clockwise rotation as displayed.
        """
        if self.centre == "true":
            return h
        p = torch.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=h.dtype, device=h.device)
        return p @ h @ p.T

    def unit_pixels(self, x: torch.Tensor) -> float:
        """Pixels per unit of the coordinates ``u``: ``s`` (``"true"``) or ``max(H, W) // 2`` (``"authors"``)."""
        height, width = self._images(x[:1]).shape[-2:]
        if self.centre == "true":
            return max(max(height, width) - 1, 1) / 2
        return max(height, width) // 2

    def tangent_scale(self, x: torch.Tensor) -> float:
        """The tangents are ``d/dt exp(tA) . x`` times this: ``1 / unit_pixels``, since the
        derivatives are per pixel, not per unit of ``u``."""
        return 1.0 / self.unit_pixels(x)

    def displacements(self, x: torch.Tensor) -> torch.Tensor:
        """Root-mean-square motion of the pixels (in pixels, over the grid) per unit ``t`` of
        each basis generator: ``(4,)``, float64. For ``e_ab`` a pixel moves by ``u_b`` along
        axis ``a``; on a square grid the four are equal, so per unit of motion and per unit
        Frobenius norm rank gl(2) alike. See :func:`liegg.rescale_spectrum`."""
        height, width = self._images(x[:1]).shape[-2:]
        u = self.coordinates(height, width, dtype=torch.float64).reshape(2, -1)
        rms = u.pow(2).mean(dim=1).sqrt() * self.unit_pixels(x)  # per coordinate b
        return rms.repeat(2)  # index a * 2 + b

    def act(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """Images resampled by the group element ``g`` (``(2, 2)``, in this action's
        coordinates) about the centre, bilinearly (:func:`liegg.transform_images`;
        with ``centre="authors"`` about the true centre, half a pixel from theirs)."""
        images = self._images(x)
        g_xy = self.generator_in_xy(g.to(images.dtype))  # a change of basis maps elements as generators
        return transform_images(images, g_xy).reshape(x.shape)

    def tangents(self, x: torch.Tensor) -> torch.Tensor:
        """Tangent images of the four basis generators.

        Parameters
        ----------
        x : Tensor of shape ``(N, H, W)``, ``(N, 1, H, W)`` or ``(N, H*W)``

        Returns
        -------
        Tensor of shape ``(4, *x.shape)``; index ``a * 2 + b`` for ``A_ab``.
        """
        images = self._images(x)
        d_row, d_col = self._derivatives(images)
        if self.centre == "true":
            grad = torch.stack([d_col, -d_row])  # (d/dx, d/dy), y pointing up
        else:
            grad = torch.stack([d_row, d_col])
        u = self.coordinates(*images.shape[1:], dtype=images.dtype, device=images.device)
        t = -grad[:, None] * u[None, :, None]  # (2, 2, N, H, W)
        return t.reshape(4, *x.shape)


class AffineImageAction(ImageAction):
    r"""The affine group of the plane acting on images: gl(2) and the two translations.

    Generators are ``3 x 3`` matrices in homogeneous coordinates,
    ``[[A, b], [0, 0]]`` acting on ``(u, 1)``: the six of :attr:`basis`, in
    order ``e_00, e_01, e_10, e_11`` (gl(2), as for :class:`ImageAction`),
    then ``e_02`` and ``e_12``, the translations along ``x`` and ``y``. The
    tangent of a translation is ``-\partial_a I``, in the same per-pixel
    units as the rest, so translation invariance is a null direction like
    any other. Options as for :class:`ImageAction`.

    Examples
    --------
    >>> action = AffineImageAction()
    >>> action.dim, action.tangents(torch.rand(3, 8, 8)).shape
    (3, torch.Size([6, 3, 8, 8]))
    """

    dim = 3

    def __init__(self, centre: str = "true", difference: str = "central", image_shape=None):
        super().__init__(centre=centre, difference=difference, image_shape=image_shape)
        basis = torch.zeros(6, 3, 3, dtype=torch.float64)
        for k, (a, b) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (1, 2)]):
            basis[k, a, b] = 1.0
        self.basis = basis

    def __repr__(self) -> str:
        return (f"AffineImageAction(centre={self.centre!r}, difference={self.difference!r}, "
                f"image_shape={self.image_shape})")

    def with_options(self, **options) -> "AffineImageAction":
        linear = super().with_options(**options)
        return AffineImageAction(centre=linear.centre, difference=linear.difference, image_shape=linear.image_shape)

    def generator_in_xy(self, h: torch.Tensor) -> torch.Tensor:
        """As :meth:`ImageAction.generator_in_xy`, on the linear and the translation part."""
        if self.centre == "true":
            return h
        p = torch.eye(3, dtype=h.dtype, device=h.device)
        p[:2, :2] = torch.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=h.dtype, device=h.device)
        return p @ h @ p.T

    def displacements(self, x: torch.Tensor) -> torch.Tensor:
        """As :meth:`ImageAction.displacements`, for the six generators: ``(6,)``. A
        translation moves every pixel by ``unit_pixels`` (half the image), more than the RMS
        motion of a unit linear generator (0.6 of that on a square grid).

        Examples
        --------
        >>> [round(v, 2) for v in AffineImageAction().displacements(torch.zeros(1, 28, 28)).tolist()]
        [8.08, 8.08, 8.08, 8.08, 13.5, 13.5]
        """
        linear = super().displacements(x)
        return torch.cat([linear, torch.full((2,), float(self.unit_pixels(x)), dtype=torch.float64)])

    def act(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """Images resampled by the affine element ``g = [[M, c], [0, 1]]`` (``(3, 3)``):
        ``M`` about the centre, then a shift by ``c`` units of ``u``."""
        images = self._images(x)
        g_xy = self.generator_in_xy(g.to(images.dtype))
        shift = g_xy[:2, 2] * self.unit_pixels(x)
        return transform_images(images, g_xy[:2, :2], shift=shift).reshape(x.shape)

    def tangents(self, x: torch.Tensor) -> torch.Tensor:
        """Tangent images of the six basis generators: ``(6, *x.shape)``."""
        images = self._images(x)
        linear = super().tangents(x)  # (4, *x.shape)
        d_row, d_col = self._derivatives(images)
        grad = torch.stack([d_col, -d_row]) if self.centre == "true" else torch.stack([d_row, d_col])
        return torch.cat([linear, -grad.reshape(2, *x.shape)])
