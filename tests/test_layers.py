"""Per-layer extraction and the layer-wise / autoencoder training regimes."""

import torch

import liegg
from liegg.layers import hidden_layer_count, layer_outputs
from liegg.study import datasets, models, regimes, training


def standardized_mlp(in_features=6, out_features=3, width=8, depth=3, dtype=torch.float64):
    net = models.MLP(in_features, out_features, width=width, depth=depth)
    return models.Standardized(net, 0.0, 2.0).to(dtype)


def test_last_layer_features_give_the_output(dtype):
    model = standardized_mlp(dtype=dtype)
    x = torch.randn(5, 6, dtype=dtype)
    last = layer_outputs(model, hidden_layer_count(model))(x)
    torch.testing.assert_close(model.net.net[-1](last), model(x))


def test_first_layer_null_space_is_known_exactly():
    """Layer 1 is swish(W x); with W of rank 2 on R^4 it is invariant to every
    generator A = n b^T with W n = 0: a (4 - 2) * 4 = 8 dimensional space."""
    model = standardized_mlp(in_features=4, width=2, depth=2)
    x = torch.randn(200, 4, dtype=torch.float64)
    E = liegg.polarization_matrix(layer_outputs(model, 1), x, liegg.VectorAction(4), normalize=True)
    sp = liegg.spectrum(E)
    assert liegg.count_invariant(sp.variances, rtol=1e-10) == 8
    W = model.net.net[0].weight
    torch.testing.assert_close(W @ sp.generators[:8], torch.zeros(8, 2, 4, dtype=torch.float64), atol=1e-8, rtol=0)
    # the second layer mixes the two directions: still invariant to the same 8
    E2 = liegg.polarization_matrix(layer_outputs(model, 2), x, liegg.VectorAction(4), normalize=True)
    assert liegg.count_invariant(liegg.spectrum(E2).variances, rtol=1e-10) == 8


def _toy_classification(n=256):
    x = torch.randn(n, 6)
    y = (x[:, 0] * x[:, 1] > 0).long()
    return x, y


FIT = {"epochs": 3, "batch_size": 64, "lr": 1e-2, "weight_decay": 0.0, "seed": 0}


def test_layerwise_trains_one_layer_at_a_time(monkeypatch):
    model = standardized_mlp(out_features=2, dtype=torch.float32)
    stages = []
    real_fit = regimes.fit

    def spy(stage, *args, **kwargs):
        trainable = [i for i, m in enumerate(model.net.net) if any(p.requires_grad for p in m.parameters())]
        stages.append(trainable)
        return real_fit(stage, *args, **kwargs)

    monkeypatch.setattr(regimes, "fit", spy)
    x, y = _toy_classification()
    results = regimes.train_layerwise(model, (x, y), (x[:64], y[:64]), loss="cross_entropy", **FIT)
    assert stages == [[0], [2], [4]]
    assert len(results) == 3
    assert all(p.requires_grad for p in model.parameters())
    # the final head is the output layer: the model scores as the last stage did
    score = training.evaluate(model, x[:64], y[:64], "cross_entropy")["loss"]
    assert abs(score - results[-1].best_val_loss) < 1e-5


def test_autoencoder_pretraining_reconstructs_better_than_the_mean():
    """The reconstruction error falls well below that of predicting the mean input (the loss
    of an encoder that learned nothing), not only below its own first epoch."""
    model = standardized_mlp(depth=2, dtype=torch.float32)
    x, _ = _toy_classification()
    result = regimes.pretrain_autoencoder(model, x, x[:64], **{**FIT, "epochs": 20})
    targets = model.standardize(x).detach()
    mean_predictor = float((targets[:64] - targets.mean(dim=0)).pow(2).mean())
    assert result.best_val_loss < 0.6 * mean_predictor  # 0.47 of it at this seed


def test_extract_layers_gives_one_summary_per_layer():
    from liegg.study.layer_spectra import extract_layers

    model = standardized_mlp(in_features=10, out_features=1, depth=3, dtype=torch.float32)
    data = datasets.make_o5(60, 10, 10, seed=0)
    data = {k: v.float() for k, v in data.items()}
    spec = {"task": "o5", "liegg": {"split": "all", "outputs": "each", "normalize": False, "chunk_size": 32}}
    summaries = extract_layers(model, data, spec)
    assert [s["layer"] for s in summaries] == [1, 2, 3]
    assert all(s["algebra_dim"] == 10 and s["rows"] == 60 * 8 for s in summaries)
    # each is liegg.analyze of the map to that layer, outputs L2-normalised, on the run's samples
    x = torch.cat([data["x_train"], data["x_val"], data["x_test"]])
    for summary in summaries:
        direct = liegg.analyze(layer_outputs(model, summary["layer"]), x, liegg.VectorAction(5), algebra="so",
                               normalize=True, chunk_size=32)  # fmt: skip
        assert summary["lambda_min"] == float(direct.variances[0])
        assert summary["bias_block_k"] == direct.subspace_bias
        assert summary["rel_lambda_k"] == float(direct.relative_variances[9])
