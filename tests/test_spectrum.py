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


def test_many_rows_fit_in_memory():
    """The economy SVD: U is rows x D, not rows x rows (400 000^2 floats would be 640 GB)."""
    E = torch.randn(400_000, 4, dtype=torch.float64)
    sp = spectrum(E)
    ref = spectrum_from_gram(E.T @ E, len(E))
    torch.testing.assert_close(sp.variances, ref.variances)


def test_the_sign_of_a_rotation_generator_is_stable_under_noise():
    """Its largest entries come in a +- pair: noise must not pick the sign."""
    gen = torch.Generator().manual_seed(0)
    rotation = torch.tensor([0.0, -1.0, 1.0, 0.0], dtype=torch.float64) / 2**0.5
    signs = set()
    for _ in range(200):
        noisy = rotation + 1e-9 * torch.randn(4, generator=gen, dtype=torch.float64)
        # A rank-3 E whose null space is the noisy rotation, in a random basis of its complement.
        q, _ = torch.linalg.qr(torch.cat([noisy[:, None], torch.randn(4, 3, generator=gen, dtype=torch.float64)], 1))
        E = torch.randn(50, 3, generator=gen, dtype=torch.float64) @ q[:, 1:].T
        h = spectrum(E).generators[0]
        signs.add(tuple(torch.sign(h.flatten()).tolist()[1:3]))
    assert signs == {(1.0, -1.0)}  # always [[0, +], [-, 0]]


def test_rescaled_spectrum_is_the_generalised_eigenproblem():
    """Variances per unit of the new length: the eigenvalues of Q against diag(scales)^2."""
    import scipy.linalg

    from liegg import AffineImageAction, rescale_spectrum, spectrum_from_gram

    g = torch.Generator().manual_seed(0)
    a = torch.randn(40, 6, dtype=torch.float64, generator=g)
    basis = AffineImageAction().basis
    sp = spectrum_from_gram(a.T @ a, 40, basis)
    scales = torch.tensor([8.0, 8.0, 8.0, 8.0, 13.5, 13.5], dtype=torch.float64)
    out = rescale_spectrum(sp, scales, basis)
    want = scipy.linalg.eigh((a.T @ a / 40).numpy(), torch.diag(scales**2).numpy(), eigvals_only=True)
    assert torch.allclose(out.variances, torch.from_numpy(want), rtol=1e-10)
    assert torch.allclose(torch.linalg.matrix_norm(out.generators), torch.ones(6, dtype=torch.float64))
    same = rescale_spectrum(sp, torch.full((6,), 2.0, dtype=torch.float64), basis)  # one unit for all
    assert torch.allclose(same.variances, sp.variances / 4, rtol=1e-10)
    assert torch.allclose(same.generators.abs(), sp.generators.abs(), atol=1e-8)
    with pytest.raises(ValueError, match="positive"):
        rescale_spectrum(sp, torch.zeros(6), basis)
