"""liegg.analyze against known answers, and the bugs it must not have."""

import pytest
import torch
from torch import nn

import liegg
from liegg import VectorAction, analyze, so_basis


def so3_of_four(dtype):
    """so(3) acting on the first three of four coordinates, as (3, 4, 4)."""
    basis = torch.zeros(3, 4, 4, dtype=dtype)
    basis[:, :3, :3] = so_basis(3, dtype=dtype)
    return basis


def rotation_of_three(x):
    """Invariant to rotations of coordinates 0..2; the fourth breaks every other symmetry."""
    r = x[:, :3].norm(dim=1, keepdim=True)
    return torch.cat([torch.sin(r) + x[:, 3:] ** 2, r * x[:, 3:]], dim=1)


def test_rotations_of_three_of_four_coordinates(dtype):
    x = torch.randn(400, 4, dtype=dtype)
    result = analyze(rotation_of_three, x, VectorAction(4), algebra=so3_of_four(dtype), rtol=1e-6)
    assert result.n_invariant == 3
    assert result.algebra_dim == 3
    tol = 1e-10 if dtype == torch.float64 else 1e-4
    assert result.subspace_bias < tol and float(result.principal_angles.max()) < tol ** 0.5
    assert result.bias[:3].max() < tol and result.bias[3:].min() > 0.5
    torch.testing.assert_close(result.relative_variances.mean(), torch.tensor(1.0, dtype=torch.float64))
    assert result.variances.dtype == torch.float64 and result.generators.shape == (16, 4, 4)


def test_relative_variances_do_not_depend_on_the_output_scale():
    x = torch.randn(300, 4, dtype=torch.float64)
    small = analyze(lambda v: 1e-3 * rotation_of_three(v), x, VectorAction(4))
    large = analyze(rotation_of_three, x, VectorAction(4))
    torch.testing.assert_close(small.variances * 1e6, large.variances)
    torch.testing.assert_close(small.relative_variances, large.relative_variances)


def test_without_an_algebra_there_is_no_bias():
    result = analyze(rotation_of_three, torch.randn(50, 4, dtype=torch.float64), VectorAction(4))
    assert result.bias is None and result.subspace_bias is None and result.principal_angles is None


def test_a_constant_network_is_refused():
    x = torch.randn(100, 4)
    with pytest.raises(liegg.DegenerateSpectrum, match="do not change on the 100 samples"):
        analyze(lambda v: torch.zeros(len(v), 3) + 2.0, x, VectorAction(4))


def test_a_model_of_ones_own_in_five_lines():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    result = analyze(model, torch.randn(200, 4), VectorAction(4), algebra="so")
    assert result.n_invariant == 0  # an untrained network has no symmetry
    assert result.variances.shape == (16,) and torch.all(result.variances[1:] >= result.variances[:-1])


# --- bugs that must stay fixed ----------------------------------------------------------------


def test_normalizing_a_single_output_is_refused():
    """y/|y| of one output is +-1: E would be zero and every generator a 'symmetry'."""
    model = nn.Linear(4, 1)
    with pytest.raises(ValueError, match="one output.*normalize=False"):
        analyze(model, torch.randn(10, 4), VectorAction(4), normalize=True)
    with pytest.raises(ValueError, match="one output"):
        liegg.polarization_gram(model, torch.randn(10, 4), VectorAction(4), normalize=True)


def test_grad_mode_and_module_modes_are_left_as_they_were():
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    model.train()
    model[1].eval()  # the caller froze one part
    x = torch.randn(20, 4)
    with torch.enable_grad():
        analyze(model, x, VectorAction(4))
        assert torch.is_grad_enabled()
    with torch.no_grad():
        liegg.polarization_matrix(model, x, VectorAction(4))
        assert not torch.is_grad_enabled()
    assert [m.training for m in model] == [True, False, True] and model.training


@pytest.mark.parametrize(
    "x, error, match",
    [
        (torch.arange(40).reshape(10, 4), TypeError, "floating-point"),
        (torch.full((10, 4), float("nan")), ValueError, "NaN or infinite"),
        (torch.randn(10, 3), ValueError, "multiple of dim=4"),
        (torch.randn(4), ValueError, "at least 2 dimensions"),
        (torch.randn(0, 4), ValueError, "empty"),
        ([[1.0, 2.0, 3.0, 4.0]], TypeError, "torch.Tensor"),
    ],
    ids=["integer", "nan", "misshapen", "one sample without batch", "no samples", "list"],
)
def test_bad_samples_get_one_clear_error(x, error, match):
    with pytest.raises(error, match=match):
        analyze(rotation_of_three, x, VectorAction(4))


def test_an_object_that_is_no_action_is_named():
    with pytest.raises(TypeError, match="liegg.Action"):
        analyze(rotation_of_three, torch.randn(10, 4), action="so")
