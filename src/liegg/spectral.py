"""Singular spectrum of the polarization matrix: symmetry variances and generators."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch

from ._checks import check_tensor

__all__ = ["Spectrum", "spectrum", "spectrum_from_gram", "count_invariant", "variance_along", "rescale_spectrum"]


@dataclass(frozen=True)
class Spectrum:
    """LieGG spectrum, sorted by symmetry variance ascending.

    Attributes
    ----------
    singular_values : Tensor of shape ``(D,)``
        Singular values ``s_i`` of E, ``D = d*d``.
    variances : Tensor of shape ``(D,)``
        Symmetry variances ``lambda_i = s_i**2 / rows``; index 0 is the most
        invariant direction.
    generators : Tensor of shape ``(D, d, d)``
        Right singular vectors reshaped to ``d x d``, unit Frobenius norm, sign
        fixed so that the first entry (row-major) of at least half the largest
        magnitude is positive; a rotation of the plane then reads
        ``[[0, 1], [-1, 0]] / sqrt(2)``.
    rows : int
        Number of rows of E.
    """

    singular_values: torch.Tensor
    variances: torch.Tensor
    generators: torch.Tensor
    rows: int


def _canonical_sign(vectors: torch.Tensor) -> torch.Tensor:
    """Flip each row so that its first entry of at least half the largest magnitude is positive.

    Not the largest entry itself: a skew generator has its largest entries in
    pairs of equal magnitude and opposite sign, so noise would pick the sign.
    The first entry above half the largest is the same one under small noise.

    Examples
    --------
    >>> rotation = torch.tensor([[0.0, -1.0, 1.0 + 1e-9, 0.0], [0.0, -1.0, 1.0 - 1e-9, 0.0]])
    >>> _canonical_sign(rotation).tolist()
    [[-0.0, 1.0, -1.0, -0.0], [-0.0, 1.0, -1.0, -0.0]]
    """
    magnitude = vectors.abs()
    large = magnitude >= 0.5 * magnitude.max(dim=1, keepdim=True).values
    idx = large.to(torch.int8).argmax(dim=1, keepdim=True)  # the first large entry
    sign = torch.sign(vectors.gather(1, idx))
    sign[sign == 0] = 1
    return vectors * sign


def _check_basis(basis, n_gen):
    if basis is None:
        return None
    basis = torch.as_tensor(basis)
    if basis.ndim != 3 or basis.shape[0] != n_gen or basis.shape[1] != basis.shape[2]:
        raise ValueError(f"basis must have shape ({n_gen}, d, d) for E of {n_gen} columns, got {tuple(basis.shape)}")
    return basis


def _build(s_squared: torch.Tensor, vectors: torch.Tensor, rows: int, basis=None) -> Spectrum:
    """Sort ascending and package; ``vectors`` holds one generator per row, as
    ``d*d`` matrix entries or as coefficients over ``basis``."""
    if rows < 1:
        raise ValueError("the polarization matrix has no rows")
    n_gen = vectors.shape[1]
    basis = _check_basis(basis, n_gen)
    if basis is None:
        d = int(round(n_gen**0.5))
        if d * d != n_gen:
            raise ValueError(f"E must have d*d columns, got {n_gen} (pass the action's basis for other counts)")
    s_squared = s_squared.clamp_min(0)
    order = torch.argsort(s_squared, stable=True)
    s_squared, vectors = s_squared[order], _canonical_sign(vectors[order])
    if basis is None:
        generators = vectors.reshape(n_gen, d, d)
    else:  # an orthonormal basis keeps the generators orthonormal
        generators = torch.einsum("ik,kab->iab", vectors, basis.to(vectors.dtype))
    return Spectrum(
        singular_values=s_squared.sqrt(),
        variances=s_squared / rows,
        generators=generators,
        rows=rows,
    )


def spectrum(E: torch.Tensor, basis=None) -> Spectrum:
    """Spectrum of a polarization matrix by its economy SVD.

    Memory grows as ``rows x D`` (E itself), never ``rows x rows``; for
    very many rows :func:`liegg.polarization_gram` with
    :func:`spectrum_from_gram` never holds E at all.

    Parameters
    ----------
    E : Tensor of shape ``(rows, D)``
    basis : Tensor of shape ``(D, d, d)``, optional
        The generators the columns of E belong to (an action's ``basis``);
        the ``d*d`` elementary matrices when omitted (then ``D = d*d``).

    Returns
    -------
    Spectrum
        With ``D = d*d`` entries; when ``rows < D`` the missing singular values
        are zero.

    Examples
    --------
    >>> E = torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]], dtype=torch.float64)
    >>> sp = spectrum(E)
    >>> sp.variances.round(decimals=6).tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    if torch.is_tensor(E) and E.ndim != 2:
        raise ValueError(f"E must be 2-D (rows, d*d), got shape {tuple(E.shape)}")
    check_tensor(E, "E")
    rows, n_gen = E.shape
    if rows < n_gen:
        # Zero rows complete V to a basis (the missing directions are exactly
        # invariant on the rows given) and change no singular value.
        E = torch.cat([E, E.new_zeros(n_gen - rows, n_gen)])
    _, s, vh = torch.linalg.svd(E, full_matrices=False)
    return _build(s**2, vh, rows, basis)


def spectrum_from_gram(gram: torch.Tensor, rows: int, basis=None) -> Spectrum:
    """Spectrum from ``E^T E`` (see :func:`liegg.polarization_gram`).

    Since ``E^T E = V S^2 V^T``, its eigen-decomposition gives the same
    variances and generators as the SVD of E.

    Parameters
    ----------
    gram : Tensor of shape ``(D, D)``, symmetric
    rows : int
        Number of rows of E that were accumulated.
    basis : Tensor of shape ``(D, d, d)``, optional
        As for :func:`spectrum`.

    Examples
    --------
    >>> E = torch.randn(50, 4, dtype=torch.float64)
    >>> a, b = spectrum(E), spectrum_from_gram(E.T @ E, 50)
    >>> bool(torch.allclose(a.variances, b.variances))
    True
    """
    check_tensor(gram, "gram", ndim=2)
    if gram.shape[0] != gram.shape[1]:
        raise ValueError(f"gram must be square, got shape {tuple(gram.shape)}")
    eigenvalues, eigenvectors = torch.linalg.eigh(gram)
    return _build(eigenvalues, eigenvectors.T, rows, basis)


def count_invariant(variances: torch.Tensor, rtol: float, min_gap: float = 10.0, scale=None) -> int:
    """Number of directions with variance at most ``rtol`` times a scale.

    Warns when the variances just inside and just outside the cutoff differ by
    less than a factor ``min_gap``: the count is then fragile.

    Parameters
    ----------
    variances : Tensor of shape ``(D,)``, sorted ascending
    rtol : float
        Relative tolerance.
    min_gap : float
        Smallest acceptable ratio between the first variance above and the last
        variance below the cutoff.
    scale : float, optional
        What ``rtol`` is relative to; the largest variance by default
        (:func:`liegg.analyze` passes the mean).

    Examples
    --------
    >>> count_invariant(torch.tensor([1e-12, 1e-11, 0.5, 1.0]), rtol=1e-6)
    2
    """
    cutoff = rtol * (variances.max() if scale is None else scale)
    count = int((variances <= cutoff).sum())
    if 0 < count < len(variances):
        inside, outside = variances[count - 1], variances[count]
        if outside < min_gap * max(float(inside), 1e-300):
            warnings.warn(
                f"small spectral gap at the cutoff: {float(inside):.3g} vs {float(outside):.3g}",
                stacklevel=2,
            )
    return count


def variance_along(spectrum: Spectrum, generators: torch.Tensor) -> torch.Tensor:
    r"""Symmetry variance along given directions: their Rayleigh quotients.

    .. math:: \lambda(G) = \sum_i \lambda_i \langle h_i, G \rangle_F^2 / \|G\|_F^2,

    the mean squared directional derivative of the outputs along ``G``, the same
    number a row ``h_i`` of the spectrum has as its ``lambda_i``. A candidate
    need not be one of the ``h_i``: a generator half in ``h_1`` and half in
    ``h_2`` has the mean of their variances. The mean over an orthonormal basis
    of an algebra is the algebra's (basis-free) block variance.

    Parameters
    ----------
    spectrum : Spectrum
    generators : Tensor of shape ``(n, d, d)``
        In the span of the spectrum's generators (for an action with a
        ``basis``, combinations of it).

    Returns
    -------
    Tensor of shape ``(n,)``, float64.

    Examples
    --------
    >>> s = Spectrum(torch.ones(2), torch.tensor([1.0, 9.0], dtype=torch.float64),
    ...              torch.eye(2, dtype=torch.float64).reshape(2, 1, 2), rows=1)
    >>> variance_along(s, torch.tensor([[[1.0, 1.0]]])).tolist()   # half of each
    [5.0]
    """
    h = spectrum.generators.to(torch.float64).reshape(len(spectrum.generators), -1)
    check_tensor(generators, "generators", ndim=3)
    g = generators.to(torch.float64).reshape(len(generators), -1)
    if g.shape[1] != h.shape[1]:
        expected, got = tuple(spectrum.generators.shape[1:]), tuple(generators.shape[1:])
        raise ValueError(f"generators must be {expected} matrices, got {got}")
    norms = g.pow(2).sum(dim=1)
    if (norms == 0).any():
        raise ValueError("a generator is zero: it has no direction")
    coeffs = g @ h.T  # (n, D)
    outside = norms - coeffs.pow(2).sum(dim=1)
    if (outside > 1e-8 * norms).any():
        raise ValueError(
            "a generator lies partly outside the span of the spectrum's generators "
            "(for an action with a basis, use combinations of action.basis)"
        )
    return (coeffs.pow(2) @ spectrum.variances.to(torch.float64)) / norms


def _coefficients(spectrum: Spectrum, basis) -> torch.Tensor:
    """The generators as coefficients ``(D, D)`` over the basis (elementary matrices when None)."""
    h = spectrum.generators.to(torch.float64).reshape(len(spectrum.generators), -1)
    if basis is None:
        return h
    return h @ torch.as_tensor(basis, dtype=torch.float64).reshape(len(basis), -1).T


def rescale_spectrum(spectrum: Spectrum, scales: torch.Tensor, basis=None) -> Spectrum:
    r"""The spectrum with each basis generator measured in other units of length.

    A generator with coefficients ``c`` over the basis is ``||S c||`` long in the new units
    (``S = diag(scales)``) instead of ``||c||``; the symmetry variance per unit of the new
    length along ``c`` is ``c^T Q c / ||S c||^2`` with ``Q = sum_i lambda_i c_i c_i^T`` the
    quadratic form the spectrum holds. Its extremes are the eigenpairs of
    ``S^{-1} Q S^{-1}``. Use it to compare generators per unit of the motion they cause
    (``scales`` from an image action's ``displacements``: pixels moved per unit t) rather
    than per unit Frobenius norm, which counts a translation (every pixel moves by the
    half-width of the image) and a linear map (a pixel at radius r moves by r) alike.

    Parameters
    ----------
    spectrum : Spectrum
    scales : Tensor of shape ``(D,)``, positive
        Length of each basis generator in the new units.
    basis : Tensor of shape ``(D, d, d)``, optional
        The action's basis (None: the ``d*d`` elementary matrices).

    Returns
    -------
    Spectrum
        Variances per unit of the new length, ascending; generators as matrices of unit
        Frobenius norm (no longer orthogonal to each other when the scales differ);
        ``singular_values`` are ``sqrt(variances * rows)``.

    Examples
    --------
    >>> e = torch.eye(2, dtype=torch.float64).reshape(2, 1, 2)
    >>> s = Spectrum(torch.ones(2), torch.tensor([1.0, 2.0], dtype=torch.float64), e, rows=1)
    >>> rescale_spectrum(s, torch.tensor([1.0, 4.0])).variances.tolist()   # the second is 4x longer
    [0.125, 1.0]
    """
    c = _coefficients(spectrum, basis)
    scales = torch.as_tensor(scales, dtype=torch.float64)
    if scales.shape != (len(c),) or not (scales > 0).all() or not torch.isfinite(scales).all():
        raise ValueError(f"scales must be {len(c)} positive finite numbers, got {tuple(scales.shape)}")
    q = c.T @ (spectrum.variances.to(torch.float64)[:, None] * c)
    q = q / scales[:, None] / scales[None, :]
    variances, w = torch.linalg.eigh((q + q.T) / 2)
    coefficients = (w / scales[:, None]).T  # one generator per row
    coefficients = _canonical_sign(coefficients / coefficients.norm(dim=1, keepdim=True))
    shape = spectrum.generators.shape[1:]
    if basis is None:
        generators = coefficients.reshape(-1, *shape)
    else:
        generators = torch.einsum("ik,kab->iab", coefficients, torch.as_tensor(basis, dtype=torch.float64))
    variances = variances.clamp_min(0)
    return Spectrum((variances * spectrum.rows).sqrt(), variances, generators, spectrum.rows)
