"""Polarization matrices against hand computations and exactly known symmetries."""

import pytest
import torch

from liegg import VectorAction, polarization_gram, polarization_matrix
from liegg.study import models


def hand_rows(model, x, dim, outputs, normalize=False):
    """Reverse-mode rows, one output at a time, from plain autograd."""
    x = x.clone().requires_grad_(True)
    y = model(x)
    if normalize:
        y = y / y.norm(dim=1, keepdim=True)
    targets = [y.sum(dim=1)] if outputs == "sum" else [y[:, k] for k in range(y.shape[1])]
    per_output = []
    for target in targets:
        (g,) = torch.autograd.grad(target.sum(), x, retain_graph=True)
        g = g.reshape(len(x), -1, dim)
        v = x.detach().reshape(len(x), -1, dim)
        per_output.append(torch.einsum("nja,njb->nab", g, v).reshape(len(x), -1))
    return torch.stack(per_output, dim=1).reshape(-1, dim * dim)  # sample-major


def random_mlp(in_features, out_features, dtype):
    return models.MLP(in_features, out_features, width=16, depth=2).to(dtype)


@pytest.mark.parametrize("outputs", ["each", "sum"])
@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_rows_match_hand_computation(outputs, mode, dtype):
    model = random_mlp(6, 3, dtype)
    x = torch.randn(7, 6, dtype=dtype)
    E = polarization_matrix(model, x, VectorAction(3), outputs=outputs, mode=mode, chunk_size=3)
    expected = hand_rows(model, x, 3, outputs)
    assert E.shape == (7 * (3 if outputs == "each" else 1), 9)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(E, expected, atol=tol, rtol=tol)


def test_sum_is_sum_of_each_rows(dtype):
    model = random_mlp(4, 5, dtype)
    x = torch.randn(6, 4, dtype=dtype)
    each = polarization_matrix(model, x, VectorAction(2), outputs="each").reshape(6, 5, 4)
    summed = polarization_matrix(model, x, VectorAction(2), outputs="sum")
    torch.testing.assert_close(summed, each.sum(dim=1))


def test_each_equals_sum_for_one_output(dtype):
    model = random_mlp(10, 1, dtype)
    x = torch.randn(9, 10, dtype=dtype)
    each = polarization_matrix(model, x, VectorAction(5), outputs="each")
    summed = polarization_matrix(model, x, VectorAction(5), outputs="sum")
    torch.testing.assert_close(each, summed)


def test_normalized_rows_match_hand_computation(dtype):
    model = random_mlp(4, 3, dtype)
    x = torch.randn(5, 4, dtype=dtype)
    E = polarization_matrix(model, x, VectorAction(2), normalize=True)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(E, hand_rows(model, x, 2, "each", normalize=True), atol=tol, rtol=tol)


def test_model_sees_inputs_of_the_shape_of_x():
    seen = []

    def model(x):
        seen.append(tuple(x.shape))
        return x.reshape(x.shape[0], -1).pow(2).sum(dim=1, keepdim=True)

    x = torch.randn(4, 3, 2)  # three vectors of R^2 per sample
    polarization_matrix(model, x, VectorAction(2), chunk_size=4)
    assert all(shape[1:] == (3, 2) for shape in seen)


def test_gram_equals_product_of_chunked_matrix(dtype):
    model = random_mlp(6, 2, dtype)
    x = torch.randn(11, 6, dtype=dtype)
    E = polarization_matrix(model, x, VectorAction(3)).double()
    gram, rows = polarization_gram(model, x, VectorAction(3), chunk_size=4)
    assert rows == 22 and gram.dtype == torch.float64
    torch.testing.assert_close(gram, E.T @ E)


def test_model_training_mode_is_restored():
    model = random_mlp(4, 1, torch.float32)
    model.train()
    polarization_matrix(model, torch.randn(3, 4), VectorAction(2))
    assert model.training


@pytest.mark.parametrize(
    "kwargs, message",
    [({"outputs": "all"}, "outputs"), ({"mode": "sideways"}, "mode"), ({"chunk_size": 0}, "chunk_size")],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        polarization_matrix(lambda x: x, torch.randn(2, 4), VectorAction(2), **kwargs)


@pytest.mark.parametrize(
    "model",
    [lambda x: torch.full((len(x), 1), 2.0), lambda x: torch.nn.Parameter(torch.ones(1)).expand(len(x), 1)],
    ids=["constant", "a parameter alone"],
)
@pytest.mark.parametrize("grad_enabled", [True, False])
def test_one_output_that_ignores_x_gives_zero_rows_and_keeps_grad_mode(model, grad_enabled):
    """The one-output path (a plain backward pass) for outputs that do not depend on x."""
    with torch.set_grad_enabled(grad_enabled):
        E = polarization_matrix(model, torch.randn(5, 4), VectorAction(2), mode="reverse")
        assert torch.is_grad_enabled() == grad_enabled
    assert E.shape == (5, 4) and torch.count_nonzero(E) == 0


def test_one_output_rows_match_each_output_rows_of_the_same_function():
    """A regression of one output, and the same function as one of several outputs."""
    model = random_mlp(6, 1, torch.float64)
    x = torch.randn(9, 6, dtype=torch.float64)
    single = polarization_matrix(model, x, VectorAction(3), mode="reverse")
    doubled = polarization_matrix(lambda v: torch.cat([model(v), 2 * model(v)], dim=1), x, VectorAction(3),
                                  mode="reverse")  # vmap over two cotangents
    torch.testing.assert_close(single, doubled.reshape(9, 2, 9)[:, 0])
