import pytest
import torch

from liegg import project_onto_algebra, so_basis, symmetry_bias


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
        project_onto_algebra(torch.eye(2)[None], "sl")
