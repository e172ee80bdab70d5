import pytest
import torch

from liegg import count_invariant, spectrum, spectrum_from_gram


def test_spectrum_sorted_and_normalised(dtype):
    E = torch.randn(40, 9, dtype=dtype)
    sp = spectrum(E)
    assert torch.all(sp.variances[1:] >= sp.variances[:-1])
    torch.testing.assert_close(sp.variances, sp.singular_values**2 / 40)
    norms = torch.linalg.matrix_norm(sp.generators)
    torch.testing.assert_close(norms, torch.ones(9, dtype=dtype))
    # each generator is a right singular vector: ||E v||^2 / rows = lambda
    v = sp.generators.reshape(9, 9)
    torch.testing.assert_close((E @ v.T).pow(2).sum(0) / 40, sp.variances, rtol=1e-4, atol=1e-6)


def test_gram_route_matches_svd(dtype):
    E = torch.randn(30, 4, dtype=dtype)
    a = spectrum(E)
    b = spectrum_from_gram(E.double().T @ E.double(), 30)
    torch.testing.assert_close(b.variances.to(dtype), a.variances, rtol=1e-4, atol=1e-6)
    cos = (a.generators.double() * b.generators).sum(dim=(1, 2)).abs()
    torch.testing.assert_close(cos, torch.ones(4, dtype=torch.float64), rtol=1e-3, atol=1e-3)


def test_fewer_rows_than_columns_pads_zero_variances():
    sp = spectrum(torch.randn(2, 4, dtype=torch.float64))
    assert sp.variances.shape == (4,)
    assert sp.variances[:2].abs().max() < 1e-12


def test_small_gap_warns():
    with pytest.warns(UserWarning, match="gap"):
        count_invariant(torch.tensor([1e-7, 2e-7, 1.0]), rtol=1.5e-7)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="d\\*d"):
        spectrum(torch.randn(5, 3))
    with pytest.raises(ValueError, match="2-D"):
        spectrum(torch.randn(5))
