"""LieGG recovers the exactly known symmetries of analytic functions."""

import math

import pytest
import torch

from liegg import (
    ImageAction,
    Spectrum,
    VectorAction,
    analyze,
    count_invariant,
    polarization_gram,
    polarization_matrix,
    so_basis,
    spectrum,
    spectrum_from_gram,
    symmetry_bias,
)
from liegg.study import models
from liegg.study.datasets import o5_target
from liegg.study.symmetries import (
    candidate_dimensions,
    candidate_measures,
    candidate_readings,
    get_symmetry,
    name_algebra,
)


def o5_spectrum(f, n=300, dtype=torch.float64):
    x = torch.randn(n, 10, dtype=dtype)
    return spectrum(polarization_matrix(f, x, VectorAction(5)))


def test_o5_target_has_exactly_so5():
    sp = o5_spectrum(o5_target)
    ratio = sp.variances / sp.variances.max()
    assert int((ratio < 1e-10).sum()) == 10
    assert ratio[10] > 1e-4  # the 11th is far above
    assert count_invariant(sp.variances, rtol=1e-10) == 10
    assert symmetry_bias(sp.generators[:10]).max() < 1e-6
    assert symmetry_bias(sp.generators[10:]).min() > 0.5


def test_o5_target_by_gram_matches_svd():
    x = torch.randn(300, 10, dtype=torch.float64)
    by_svd = spectrum(polarization_matrix(o5_target, x, VectorAction(5)))
    by_gram = spectrum_from_gram(*polarization_gram(o5_target, x, VectorAction(5), chunk_size=64))
    assert count_invariant(by_gram.variances, rtol=1e-10) == 10
    torch.testing.assert_close(by_gram.variances[10:], by_svd.variances[10:])
    assert symmetry_bias(by_gram.generators[:10]).max() < 1e-6


def test_subalgebra_so4_of_a_function_that_fixes_one_axis():
    """f = ||x1||^2 + sin(x2[0]) is invariant exactly to the so(4) rotating axes 1..4."""

    def f(x):
        return (x[:, :5] ** 2).sum(dim=1, keepdim=True) + torch.sin(x[:, 5:6])

    sp = o5_spectrum(f)
    assert count_invariant(sp.variances, rtol=1e-10) == 6
    so4 = torch.zeros(6, 5, 5, dtype=torch.float64)
    so4[:, 1:, 1:] = so_basis(4, dtype=torch.float64)
    assert symmetry_bias(sp.generators[:6], algebra=so4).max() < 1e-6
    # and the null space is all of that so(4): its projector matches the basis's
    null = sp.generators[:6].reshape(6, 25)
    basis = so4.reshape(6, 25)
    torch.testing.assert_close(null.T @ null, basis.T @ basis)


def test_generic_random_network_has_no_null_space():
    model = models.MLP(10, 1, width=32, depth=2).double()
    sp = o5_spectrum(model)
    assert count_invariant(sp.variances, rtol=1e-10) == 0
    assert sp.variances[0] / sp.variances.max() > 1e-8


def test_float32_model_gives_the_same_null_space():
    sp = o5_spectrum(o5_target, dtype=torch.float32)
    ratio = sp.variances / sp.variances.max()
    assert int((ratio < 1e-8).sum()) == 10
    assert symmetry_bias(sp.generators[:10]).max() < 1e-3


def _smooth_images(n, size, generator):
    """Sums of three anisotropic Gaussian blobs well inside a size x size frame (float64)."""
    u = ImageAction().coordinates(size, size, dtype=torch.float64)
    images = torch.zeros(n, size, size, dtype=torch.float64)
    for _ in range(3):
        centre = (torch.rand(n, 2, 1, 1, dtype=torch.float64, generator=generator) - 0.5) * 0.6
        width = 0.08 + 0.1 * torch.rand(n, 2, 1, 1, dtype=torch.float64, generator=generator)
        images += torch.exp(-(((u[None] - centre) / width) ** 2).sum(1) / 2)
    return images, u


def test_angular_moments_of_an_image_name_the_scaling():
    """Integrals of the image against weights that depend on the angle alone all scale by
    e^{2t} under u -> e^t u, so the normalised outputs are invariant to scaling (up to the
    pixel grid) and to nothing else of gl(2): LieGG names the scaling, not the rotations."""
    images, u = _smooth_images(400, 41, torch.Generator().manual_seed(0))
    theta = torch.atan2(u[1], u[0])
    weights = torch.stack([torch.cos(theta) + 0.5 * torch.sin(2 * theta),
                           torch.sin(theta) - 0.3 * torch.cos(3 * theta), 1 + 0.4 * torch.cos(2 * theta)])

    def moments(x):
        return torch.einsum("nhw,khw->nk", x, weights)

    symmetry = get_symmetry("rotmnist")
    result = analyze(moments, images, symmetry.action, normalize=True)
    measures = candidate_measures(result.generators, result.variances, symmetry.candidates)
    assert result.relative_variances[1] / result.relative_variances[0] > 100  # one direction stands out
    assert measures["bias_scale"] < 0.05 and measures["angle_scale"] < 3  # and it is the scaling
    assert measures["bias_so2"] > 0.99
    assert name_algebra(measures, candidate_dimensions(symmetry.candidates, 2)) == "scale"
    readings = candidate_readings(result.spectrum, symmetry.candidates)
    assert readings["rank_scale"] == 1 and readings["learned_scale"] and not readings["learned_so2"]
    assert readings["contrast_scale"] < 0.01 and readings["contrast_so2"] > 1


def test_a_symmetry_second_in_the_spectrum_counts_as_learned():
    """h1 a rotation tilted by 10 degrees, h2 the scaling, then two directions ten times as
    sensitive: the naming rule reads the scaling (dimension 1) against h1 alone and finds it 90
    degrees away; the whole-spectrum reading ranks it second and counts it as learned."""
    a = math.radians(10)
    f64 = {"dtype": torch.float64}
    rotation, scaling = torch.tensor([[0.0, -1.0], [1.0, 0.0]], **f64), torch.eye(2, **f64)
    shear, stretch = torch.tensor([[0.0, 1.0], [1.0, 0.0]], **f64), torch.tensor([[1.0, 0.0], [0.0, -1.0]], **f64)
    h = torch.stack([math.cos(a) * rotation + math.sin(a) * shear, scaling,
                     math.cos(a) * shear - math.sin(a) * rotation, stretch]) / math.sqrt(2)
    spectrum = Spectrum(torch.ones(4), torch.tensor([0.01, 0.05, 1.0, 1.2], dtype=torch.float64), h, rows=1)
    symmetry = get_symmetry("rotmnist")
    readings = candidate_readings(spectrum, symmetry.candidates)
    measures = candidate_measures(h, spectrum.variances, symmetry.candidates)
    assert (readings["rank_so2"], readings["rank_scale"], readings["rank_so2_scale"]) == (1, 2, 2)
    assert readings["learned_algebras"] == "so2 scale so2_scale"
    assert measures["bias_scale"] == pytest.approx(1.0)  # the one-dimensional scaling is read against h1 alone
    assert name_algebra(measures, candidate_dimensions(symmetry.candidates, 2)) == "so2_scale"  # the 2-block
