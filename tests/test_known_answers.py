"""Known answers in float64: every named algebra and both image actions, on functions whose
symmetry is exactly that algebra (see known_answers.py, which also prints the table)."""

import math

import pytest
import torch

from liegg import (
    AffineImageAction,
    DegenerateSpectrum,
    ImageAction,
    VectorAction,
    algebra_basis,
    analyze,
    gaussian_blur,
    project_onto_algebra,
    scale_basis,
    sl_basis,
    so_pq_basis,
    spectrum,
)

from known_answers import CASES, bordered_images, lorentz_products, run


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exactly_the_known_algebra_is_found(case):
    result = run(case)
    v, k = result.variances, case.dim
    assert result.n_invariant == k
    # Bounds near what float64 gives (largest over the cases: 1.6e-16, 1.1e-13, 6.0e-12 degrees),
    # with a margin of about ten.
    if case.output_action is None:
        assert float(v[k - 1]) <= 2e-15 * float(v[-1])  # k directions of zero variance ...
    else:  # equivariance: zero against how much the outputs change along the generators
        assert float(result.relative_variances[k - 1]) <= 1e-15
    if k < len(v):
        assert float(v[k]) > 1e-4 * float(v[-1])  # ... and the next one is not small (4.4e-4 at least)
    assert result.subspace_bias < 1e-12
    assert math.degrees(float(result.principal_angles.max())) < 1e-10
    assert result.algebra_dim == k


def test_a_wrong_candidate_is_far_from_the_lorentz_null_space():
    """The Minkowski products are invariant to so(1,3), not to the rotations so(4) of the
    same dimension: LieGG tells the two apart."""
    x = torch.randn(400, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    result = analyze(lorentz_products, x, VectorAction(4), algebra="so")
    assert result.n_invariant == 6
    assert result.subspace_bias > 0.5
    assert math.degrees(float(result.principal_angles.max())) > 80


@pytest.mark.parametrize("p,q", [(1, 3), (2, 2), (0, 3), (3, 1)])
def test_so_pq_is_orthonormal_preserves_eta_and_closes(p, q):
    basis = so_pq_basis(p, q, dtype=torch.float64)
    n = p + q
    eta = torch.diag(torch.tensor([1.0] * p + [-1.0] * q, dtype=torch.float64))
    flat = basis.reshape(len(basis), -1)
    torch.testing.assert_close(flat @ flat.T, torch.eye(n * (n - 1) // 2, dtype=torch.float64))
    assert float((basis.transpose(1, 2) @ eta + eta @ basis).abs().max()) < 1e-14
    comm = basis[:, None] @ basis[None] - basis[None] @ basis[:, None]
    torch.testing.assert_close(project_onto_algebra(comm, f"so({p},{q})"), comm)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_sl_and_scale_split_gl(n):
    sl, scale = sl_basis(n, dtype=torch.float64), scale_basis(n, dtype=torch.float64)
    both = torch.cat([sl, scale]).reshape(n * n, -1)
    torch.testing.assert_close(both @ both.T, torch.eye(n * n, dtype=torch.float64))  # orthonormal, all of gl(n)
    assert float(sl.diagonal(dim1=1, dim2=2).sum(1).abs().max()) < 1e-14
    comm = sl[:, None] @ sl[None] - sl[None] @ sl[:, None]
    torch.testing.assert_close(project_onto_algebra(comm, "sl"), comm)


def test_sums_lists_and_names_agree():
    a = algebra_basis("so+scale", 3, dtype=torch.float64)
    b = algebra_basis(["so", scale_basis(3, dtype=torch.float64)], 3, dtype=torch.float64)
    assert len(a) == len(b) == 4
    torch.testing.assert_close(a.reshape(4, -1).T @ a.reshape(4, -1), b.reshape(4, -1).T @ b.reshape(4, -1))
    assert len(algebra_basis("so(1, 3)", 4)) == 6


@pytest.mark.parametrize("name,match", [("so(1,2)", "acts on 3-vectors"), ("spin", "unknown algebra"),
                                        ("so+", "unknown algebra"), ([], "at least one part")])
def test_bad_algebra_names_are_explained(name, match):
    with pytest.raises(ValueError, match=match):
        algebra_basis(name, 4)


def test_affine_action_extends_the_linear_one():
    x = torch.rand(3, 10, 10, dtype=torch.float64)
    affine, linear = AffineImageAction(), ImageAction()
    t = affine.tangents(x)
    assert t.shape == (6, 3, 10, 10)
    torch.testing.assert_close(t[:4], linear.tangents(x))
    flat = affine.basis.reshape(6, -1)
    torch.testing.assert_close(flat @ flat.T, torch.eye(6, dtype=torch.float64))
    assert repr(affine.with_options(centre="authors")).startswith("AffineImageAction(centre='authors'")


def test_translation_tangents_are_the_derivatives_of_a_shift():
    """Shifting an image by t along x changes it by -t dI/dx: the tangents of e_02 and e_12
    are that change per pixel of shift (y pointing up), to the accuracy of central differences."""
    size = 65
    h = 2 / (size - 1)  # one pixel in u
    u = torch.linspace(-1, 1, size, dtype=torch.float64)
    y, x = -u[:, None], u[None, :]  # row 0 on top: y points up
    image = torch.exp(-((x - 0.1) ** 2 + 2 * (y + 0.2) ** 2) / 0.08)
    d_dx = -2 * (x - 0.1) / 0.08 * image
    d_dy = -4 * (y + 0.2) / 0.08 * image
    tangents = AffineImageAction().tangents(image[None])
    for tangent, derivative in ((tangents[4, 0], d_dx), (tangents[5, 0], d_dy)):
        assert float((tangent + h * derivative).abs().max()) < 0.03 * float((h * derivative).abs().max())


def test_spectrum_with_a_basis_maps_coefficients_to_matrices():
    E = torch.randn(30, 6, dtype=torch.float64)
    basis = AffineImageAction().basis
    sp = spectrum(E, basis=basis)
    assert sp.generators.shape == (6, 3, 3)
    assert float(sp.generators[:, 2].abs().max()) == 0.0  # the bottom row of an affine generator is zero
    with pytest.raises(ValueError, match="basis must have shape"):
        spectrum(E, basis=basis[:4])
    with pytest.raises(ValueError, match="d\\*d columns"):
        spectrum(E)


def test_an_action_with_a_basis_that_is_not_orthonormal_is_refused():
    action = AffineImageAction()
    action.basis = 2 * action.basis
    with pytest.raises(ValueError, match="not orthonormal"):
        analyze(lambda x: x.sum(dim=(1, 2))[:, None], torch.rand(5, 8, 8), action)


def test_an_action_whose_tangents_do_not_match_its_basis_is_refused():
    class Broken(AffineImageAction):
        def tangents(self, x):
            return super().tangents(x)[:4]

    with pytest.raises(ValueError, match="expected \\(6, \\*x.shape\\)"):
        analyze(lambda x: x.sum(dim=(1, 2))[:, None], torch.rand(5, 8, 8), Broken())


def test_a_gaussian_blur_is_rotation_equivariant_up_to_resampling():
    """An isotropic blur commutes with rotations about the centre, up to the discrete kernel
    and the finite differences: so(2) is by far the most equivariant direction of gl(2)
    (4.1e-5 of the outputs' mean change, the next 0.018), though invariant to nothing."""
    x = bordered_images(n=100, size=32)(torch.Generator().manual_seed(0))
    blur = lambda images: gaussian_blur(images, 1.5)  # noqa: E731
    result = analyze(blur, x, ImageAction(), algebra="so", output_action=ImageAction())
    relative = result.relative_variances
    assert float(relative[0]) < 1e-4 and float(relative[1]) > 100 * float(relative[0])
    assert result.subspace_bias < 0.01
    assert float(analyze(blur, x, ImageAction()).relative_variances[0]) > 0.1


def test_an_output_action_must_fit_the_model_and_the_input_action():
    x = torch.randn(20, 3, dtype=torch.float64)
    f = lambda v: v * v.norm(dim=1, keepdim=True)  # noqa: E731
    with pytest.raises(ValueError, match="outputs='each' and normalize=False"):
        analyze(f, x, VectorAction(3), outputs="sum", output_action=VectorAction(3))
    with pytest.raises(ValueError, match="same generators"):
        analyze(f, x, VectorAction(3), output_action=VectorAction(2))
    with pytest.raises(ValueError, match="must act on the model's outputs"):
        analyze(lambda v: v[:, :2], x, VectorAction(3), output_action=VectorAction(3))
    with pytest.raises(DegenerateSpectrum, match="equivariance cannot be measured"):
        analyze(lambda v: 0 * v + 1, x, VectorAction(3), output_action=VectorAction(3))
