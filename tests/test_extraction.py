"""Extraction on a model whose outputs are constant says so instead of
returning meaningless generators."""

import pytest
import torch

from liegg import DegenerateSpectrum, VectorAction, analyze
from liegg.study.datasets import make_o5
from liegg.study.extraction import extract_run
from liegg.study.models import MLP, Standardized

SETTINGS = {"split": "all", "outputs": "each", "normalize": False, "chunk_size": 64}
SPEC = {"task": "o5", "seed": 4, "liegg": SETTINGS}


@pytest.fixture(scope="module")
def data():
    return make_o5(120, 10, 10, seed=0)


def _model(last_layer_scale=1.0, y_shift=0.0):
    net = MLP(10, 1, width=8, depth=2)
    with torch.no_grad():
        net.net[-1].weight.mul_(last_layer_scale)
    return Standardized(net, 0.0, 1.0, y_shift, 1.0)


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(lambda: _model(0.0), id="zero output"),
        pytest.param(lambda: _model(0.0, y_shift=3.5), id="constant nonzero output"),
        pytest.param(lambda: _model(1e-30, y_shift=1.0), id="output changes below float resolution"),
    ],
)
@pytest.mark.parametrize("outputs", ["each", "sum"])
def test_constant_model_raises_a_clear_error(data, model, outputs):
    spec = {**SPEC, "liegg": {**SETTINGS, "outputs": outputs}}
    with pytest.raises(DegenerateSpectrum, match=r"seed 4.*do not change.*collapsed to a constant"):
        extract_run(model(), data, spec)


def test_a_working_model_is_not_flagged(data):
    spectrum, biases, summary = extract_run(_model(), data, SPEC)
    assert summary["lambda_max"] > 0 and torch.isfinite(biases).all()


def test_extraction_is_liegg_analyze_on_the_run_settings(data):
    """What a run records is liegg.analyze on the same model, samples, action and algebra."""
    model = _model()
    spectrum, biases, summary = extract_run(model, data, SPEC)
    x = torch.cat([data["x_train"], data["x_val"], data["x_test"]]).float()  # split: all, as the run reads it
    direct = analyze(model, x, VectorAction(5), algebra="so", outputs="each", chunk_size=64)
    torch.testing.assert_close(spectrum.variances, direct.variances, rtol=0, atol=0)
    torch.testing.assert_close(spectrum.generators, direct.generators, rtol=0, atol=0)
    torch.testing.assert_close(biases, direct.bias, rtol=0, atol=0)
    assert summary["lambda_min"] == float(direct.variances[0]) and summary["rows"] == direct.rows
    assert summary["bias_block_k"] == direct.subspace_bias and summary["algebra_dim"] == 10
    assert summary["rel_lambda_k"] == float(direct.relative_variances[9])


def test_a_tiny_but_varying_output_is_not_flagged(data):
    """The test is relative to the spread of the outputs, not their units."""
    model = _model()
    model.y_scale.fill_(1e-6)
    spectrum, _, summary = extract_run(model, data, SPEC)
    assert summary["lambda_max"] > 0
