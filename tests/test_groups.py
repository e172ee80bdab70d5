import pytest
import torch

from liegg import algebra_basis, principal_angles, project_onto_algebra, so_basis, subspace_bias, symmetry_bias


@pytest.mark.parametrize("n", [2, 3, 5])
def test_so_basis_is_orthonormal_skew_and_closed(n, dtype):
    basis = so_basis(n, dtype=dtype)
    assert basis.shape == (n * (n - 1) // 2, n, n)
    flat = basis.reshape(len(basis), -1)
    torch.testing.assert_close(flat @ flat.T, torch.eye(len(basis), dtype=dtype))
    torch.testing.assert_close(basis, -basis.transpose(1, 2))
    # commutators stay in the algebra
    comm = basis[:, None] @ basis[None] - basis[None] @ basis[:, None]
    torch.testing.assert_close(project_onto_algebra(comm), comm)


def test_projection_by_name_equals_projection_by_basis(dtype):
    h = torch.randn(7, 4, 4, dtype=dtype)
    torch.testing.assert_close(project_onto_algebra(h, "so"), project_onto_algebra(h, so_basis(4, dtype=dtype)))


def test_bias_of_skew_and_symmetric_matrices(dtype):
    skew = so_basis(3, dtype=dtype)
    sym = skew.abs()
    sym = sym / torch.linalg.matrix_norm(sym)[:, None, None]
    assert symmetry_bias(skew).max() < 1e-6
    torch.testing.assert_close(symmetry_bias(sym), torch.ones(3, dtype=dtype))


def test_unknown_algebra_is_named():
    with pytest.raises(ValueError, match="unknown algebra"):
        project_onto_algebra(torch.eye(2)[None], "spin")


def test_a_redundant_spanning_set_keeps_its_span(dtype):
    """[A0, A0, A1] spans {A0, A1}: the rank comes from singular values, not an unpivoted QR."""
    a0 = torch.eye(2, dtype=dtype)[None] / 2**0.5
    a1 = so_basis(2, dtype=dtype)
    basis = algebra_basis(torch.cat([a0, a0, a1]), 2)
    assert basis.shape == (2, 2, 2)
    assert float(symmetry_bias(a1, torch.cat([a0, a0, a1])).max()) < 1e-6
    assert float(symmetry_bias(a0, torch.cat([a0, a0, a1])).max()) < 1e-6


def test_subspace_bias_and_angles_do_not_depend_on_the_basis_of_the_span(dtype):
    gen = torch.Generator().manual_seed(1)
    block = torch.randn(4, 9, generator=gen, dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=gen, dtype=torch.float64))  # a rotation inside the block
    v = torch.linalg.qr(block.T)[0].T.to(dtype)
    w = (q.to(dtype) @ v)
    one, other = v.reshape(4, 3, 3), w.reshape(4, 3, 3)
    assert abs(subspace_bias(one) - subspace_bias(other)) < 1e-5
    torch.testing.assert_close(principal_angles(one), principal_angles(other), atol=1e-5, rtol=0)
    # The per-generator mean is basis-dependent: it is not what the block reports.
    assert symmetry_bias(one).mean() != pytest.approx(float(symmetry_bias(other).mean()), abs=1e-3)


def test_principal_angles_of_known_subspaces():
    import math

    x = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]], dtype=torch.float64)
    tilted = torch.tensor([[[math.cos(0.3), math.sin(0.3)], [0.0, 0.0]]], dtype=torch.float64)
    torch.testing.assert_close(principal_angles(tilted, x), torch.tensor([0.3], dtype=torch.float64))
    tiny = torch.tensor([[[1.0, 1e-9], [0.0, 0.0]]], dtype=torch.float64)
    assert float(principal_angles(tiny, x)[0]) == pytest.approx(1e-9, rel=1e-6)  # not lost to arccos
