"""Finite transformations and closure against known answers (float64 unless stated)."""

import math

import pytest
import torch

from liegg import (
    AffineImageAction,
    ImageAction,
    Spectrum,
    VectorAction,
    analyze,
    closure_defect,
    finite_accuracy,
    finite_variance,
    gaussian_blur,
    pixel_coordinates,
    sl_basis,
    so_basis,
    so_pq_basis,
    variance_along,
)

F64 = torch.float64


def _unit(g):
    return g / torch.linalg.matrix_norm(g)[:, None, None]


def _two_norms(x):
    """Invariant to so(3) acting on both 3-vectors, not to anything else of gl(3)."""
    return torch.stack([x[:, :3].norm(dim=1), x[:, 3:].norm(dim=1), (x[:, :3] * x[:, 3:]).sum(1)], 1)


@pytest.fixture
def vectors():
    return torch.randn(300, 6, dtype=F64, generator=torch.Generator().manual_seed(1))


def test_an_invariant_function_does_not_move_at_any_magnitude(vectors):
    t = torch.tensor([1e-3, 0.5, math.pi, 10.0], dtype=F64)
    v = finite_variance(_two_norms, vectors, VectorAction(3), so_basis(3, dtype=F64), t)
    assert v.shape == (3, 4)
    assert float(v.abs().max()) < 1e-25  # float64 rounding of the norms, squared
    other = finite_variance(_two_norms, vectors, VectorAction(3), sl_basis(3, dtype=F64)[6:], t)
    assert float(other.min()) > 1e-3  # the diagonal of sl(3) changes the norms


def test_a_linear_function_gives_its_analytic_value(vectors):
    w = torch.randn(6, dtype=F64, generator=torch.Generator().manual_seed(2))
    g = _unit(torch.randn(2, 3, 3, dtype=F64, generator=torch.Generator().manual_seed(3)))
    t = torch.tensor([0.01, 0.5, 2.0], dtype=F64)
    v = finite_variance(lambda x: (x @ w)[:, None], vectors, VectorAction(3), g, t)
    for i in range(2):
        for j in range(3):
            m = torch.linalg.matrix_exp(t[j] * g[i]) - torch.eye(3, dtype=F64)
            change = (vectors.reshape(-1, 2, 3) @ m.T).reshape(-1, 6) @ w
            assert float(v[i, j]) == pytest.approx(float(change.pow(2).mean() / t[j] ** 2), rel=1e-10)


def test_small_magnitudes_reproduce_the_symmetry_variance_along_g(vectors):
    f = lambda x: torch.stack([torch.sin(x[:, 0]) * x[:, 4], x[:, 1] ** 2 - x[:, 5]], 1)  # noqa: E731
    g = _unit(torch.randn(3, 3, 3, dtype=F64, generator=torch.Generator().manual_seed(4)))
    lam = variance_along(analyze(f, vectors, VectorAction(3)).spectrum, g)
    for t, tol in ((1e-2, 2e-2), (1e-4, 2e-4)):  # the error is first order in t
        v = finite_variance(f, vectors, VectorAction(3), g, t)
        assert v.shape == (3,)
        assert float(((v - lam) / lam).abs().max()) < tol


def _blurred_blobs(n=32, size=21):
    """Blurred blobs inside the disc of radius 0.6, so no content crosses the border."""
    disc = pixel_coordinates(size, size, dtype=F64).norm(dim=0) < 0.6
    raw = torch.rand(n, size, size, dtype=F64, generator=torch.Generator().manual_seed(5)) * disc
    return gaussian_blur(raw, 2.0)


def test_a_radial_image_function_is_invariant_up_to_resampling():
    """Bilinear resampling is exact at a quarter turn and costs about 4e-4 of the variance
    of a scaling at 5 degrees (this grid and blur)."""
    images = _blurred_blobs()
    r = pixel_coordinates(21, 21, dtype=F64).norm(dim=0)
    radial = lambda im: torch.stack([(im * torch.exp(-r**2)).sum((1, 2)), (im**2 * r).sum((1, 2))], 1)  # noqa: E731
    t = torch.tensor([5.0, 30.0, 90.0], dtype=F64).deg2rad() * math.sqrt(2)  # J / sqrt(2) turns by t / sqrt(2)
    rotation = finite_variance(radial, images, ImageAction(), so_basis(2, dtype=F64), t)[0]
    scaling = finite_variance(radial, images, ImageAction(), torch.eye(2, dtype=F64)[None] / math.sqrt(2), t)[0]
    assert float(rotation[2]) < 1e-25
    assert float((rotation[:2] / scaling[:2]).max()) < 1e-3


@pytest.mark.parametrize("action", [ImageAction(), AffineImageAction(), AffineImageAction(centre="authors")],
                         ids=["linear", "affine", "affine-authors"])
def test_small_image_motions_match_the_tangents(action):
    """Bilinear resampling differentiates one-sidedly, the tangents centrally: on sums of
    Gaussians (2.4 pixels wide) seen through smooth weights they agree to 3-25 % in every
    basis direction (8 % at most for the shifts); a wrong unit of t would be off by 20x."""
    size = 41
    u = pixel_coordinates(size, size, dtype=F64)
    g = torch.Generator().manual_seed(5)
    centres = (torch.rand(32, 4, 2, dtype=F64, generator=g) - 0.5) * 0.8
    images = sum(torch.exp(-((u[0] - centres[:, k, 0, None, None]) ** 2 + (u[1] - centres[:, k, 1, None, None]) ** 2)
                           / (2 * 0.12**2)) for k in range(4))  # fmt: skip
    weights = torch.stack([torch.exp(-((u[0] - a) ** 2 + (u[1] - b) ** 2) / 0.08)
                           for a, b in ((0.3, 0.1), (-0.2, 0.25), (0.05, -0.3))])  # fmt: skip
    f = lambda im: torch.tanh(torch.einsum("nhw,khw->nk", im, weights) / 20)  # noqa: E731
    basis = getattr(action, "basis", torch.eye(4, dtype=F64).reshape(4, 2, 2))
    lam = variance_along(analyze(f, images, action).spectrum, basis)
    error = ((finite_variance(f, images, action, basis, 1e-4) - lam) / lam).abs()
    assert float(error.max()) < 0.3
    if len(basis) == 6:
        assert float(error[4:].max()) < 0.1


def test_a_shift_moves_the_image_by_whole_pixels():
    image = torch.zeros(1, 9, 9, dtype=F64)
    image[0, 4, 4] = 1.0
    action = AffineImageAction()
    right = torch.zeros(3, 3, dtype=F64)
    right[0, 2] = 2 / action.unit_pixels(image)  # two pixels along x, in units of u
    moved = action.act(image, torch.linalg.matrix_exp(right))
    assert moved[0].nonzero().tolist() == [[4, 6]]


def test_accuracy_under_a_group_element():
    model = lambda x: torch.stack([x[:, 0], -x[:, 0]], 1)  # noqa: E731  class 0 when x_0 > 0
    x = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=F64)
    labels = torch.tensor([0, 1])
    t = torch.tensor([0.1, math.pi / 2 * math.sqrt(2) * 1.1])  # 4 and 99 degrees
    acc = finite_accuracy(model, x, labels, VectorAction(2), so_basis(2, dtype=F64), t)
    assert acc.tolist() == [[1.0, 0.0]]


def test_bad_arguments_get_one_clear_error(vectors):
    g = so_basis(3, dtype=F64)
    with pytest.raises(ValueError, match="nonzero"):
        finite_variance(_two_norms, vectors, VectorAction(3), g, 0.0)
    with pytest.raises(ValueError, match=r"shape \(n, 3, 3\)"):
        finite_variance(_two_norms, vectors, VectorAction(3), so_basis(2, dtype=F64), 0.1)
    with pytest.raises(TypeError, match="act"):
        finite_variance(_two_norms, vectors, type("A", (), {"dim": 3})(), g, 0.1)
    with pytest.raises(ValueError, match="labels"):
        finite_accuracy(_two_norms, vectors, torch.zeros(3), VectorAction(3), g, 0.1)


@pytest.mark.parametrize("name,basis", [
    ("so(3)", so_basis(3, dtype=F64)), ("so(1,3)", so_pq_basis(1, 3, dtype=F64)), ("sl(2)", sl_basis(2, dtype=F64)),
    ("translations", AffineImageAction().basis[4:]), ("so(5)", so_basis(5, dtype=F64)),
])  # fmt: skip
def test_algebras_are_closed(name, basis):
    assert closure_defect(basis) < 1e-15
    mixed = torch.einsum("ij,jab->iab", torch.linalg.qr(torch.randn(len(basis), len(basis), dtype=F64))[0], basis)
    assert closure_defect(mixed) < 1e-14  # any basis of the span


def test_a_random_subspace_is_not_closed():
    """Three random directions of gl(3): the defect lies between 0.35 and 0.9 over 200 draws
    (median 0.66); ten of gl(5): 0.47-0.51."""
    g = torch.Generator().manual_seed(0)
    defects = [closure_defect(torch.randn(3, 3, 3, dtype=F64, generator=g)) for _ in range(50)]
    assert min(defects) > 0.3
    assert closure_defect(torch.randn(10, 5, 5, dtype=F64, generator=g)) > 0.4


def test_variance_along_is_the_rayleigh_quotient(vectors):
    f = lambda x: torch.stack([x[:, 0] * x[:, 4], x[:, 1] ** 2 - x[:, 5]], 1)  # noqa: E731
    result = analyze(f, vectors, VectorAction(3))
    h = result.generators
    assert torch.allclose(variance_along(result.spectrum, h), result.variances, rtol=1e-10, atol=1e-14)
    mix = (h[0] + h[1])[None]
    assert float(variance_along(result.spectrum, mix)) == pytest.approx(float(result.variances[:2].mean()), rel=1e-10)
    partial = Spectrum(torch.ones(1), torch.ones(1, dtype=F64), torch.tensor([[[1.0, 0.0]]], dtype=F64), rows=1)
    with pytest.raises(ValueError, match="outside the span"):
        variance_along(partial, torch.tensor([[[0.0, 1.0]]], dtype=F64))
