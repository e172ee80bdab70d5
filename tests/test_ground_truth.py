"""LieGG recovers the exactly known symmetries of analytic functions."""

import torch

from liegg import (
    VectorAction,
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
