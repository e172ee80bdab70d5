"""Training: resuming from a periodic checkpoint equals an uninterrupted run;
the seeds of a setting train together, each as its own network; NaN or inf
stops the run with the seed in the message."""

import math

import pytest
import torch

from liegg.study import checkpoints
from liegg.study.datasets import make_o5
from liegg.study.models import restore_model
from liegg.study.runs import train_run, train_runs
from liegg.study.training import PRECISIONS, TrainingDiverged, fit, fit_together

SPEC = {
    "task": "o5",
    "seed": 3,
    "model": {"arch": "mlp", "depth": 2, "width": 8},
    "training": {"epochs": 7, "batch_size": 32, "lr": 0.01, "weight_decay": 1e-4},
}


@pytest.fixture(scope="module")
def data():
    return make_o5(200, 40, 20, seed=1)


class Killed(Exception):
    """Stands for SIGKILL: training stops right after a checkpoint is saved."""


def _train(data, **kwargs):
    model, record = train_run(data, SPEC, torch.device("cpu"), **kwargs)
    return model.state_dict(), record


def _same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("kill_after", [1, 2, 4, 6])
def test_resumed_training_equals_uninterrupted(data, tmp_path, kill_after):
    """Kill after the checkpoint of epoch ``kill_after``, reload it from disk
    (weights_only=True), resume: weights, best epoch and history are equal
    bit for bit to a run that was never interrupted."""
    reference, reference_record = _train(data)
    path, key = tmp_path / "train.resume.pt", {"spec": SPEC}

    def save_then_maybe_die(state):
        checkpoints.save_resume(path, state, key)
        if state["epoch"] == kill_after:
            raise Killed

    with pytest.raises(Killed):
        _train(data, checkpoint_every=1, on_checkpoint=save_then_maybe_die)
    state = checkpoints.load_resume(path, key)
    assert state["epoch"] == kill_after
    resumed, record = _train(data, checkpoint_every=1, on_checkpoint=lambda s: None, resume=state)
    assert _same_weights(resumed, reference)
    assert record["history"] == reference_record["history"]
    assert record["best_epoch"] == reference_record["best_epoch"]
    assert record["test"] == reference_record["test"]


def test_checkpointing_does_not_change_the_result(data):
    states = []
    plain, _ = _train(data)
    checkpointed, _ = _train(data, checkpoint_every=2, on_checkpoint=states.append)
    assert _same_weights(plain, checkpointed)
    assert [s["epoch"] for s in states] == [2, 4, 6]  # none after the last epoch


def test_resume_state_holds_everything_needed(data):
    states = []
    _train(data, checkpoint_every=3, on_checkpoint=states.append)
    state = states[0]
    assert set(state) >= {"params", "optimizer", "scheduler", "order_rng", "torch_rng", "best_states", "results"}
    assert [h["epoch"] for h in state["results"][0]["history"]] == [1, 2, 3]
    assert state["optimizer"]["state"], "Adam moments are saved"


def test_resume_file_of_other_settings_is_not_used(tmp_path):
    path = tmp_path / "train.resume.pt"
    checkpoints.save_resume(path, {"epoch": 2}, key={"spec": SPEC, "inputs": {"data.npz": "aa"}})
    assert checkpoints.load_resume(path, {"spec": SPEC, "inputs": {"data.npz": "aa"}}) == {"epoch": 2}
    assert checkpoints.load_resume(path, {"spec": SPEC, "inputs": {"data.npz": "bb"}}) is None
    assert checkpoints.load_resume(tmp_path / "missing.pt", {}) is None


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other kind"])
def test_damaged_resume_file_is_skipped(tmp_path, damage, caplog):
    path = tmp_path / "train.resume.pt"
    checkpoints.save_resume(path, {"epoch": 2}, key={})
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00" * 100)
    else:
        torch.save({"format": "liegg-checkpoint-1"}, path)
    assert checkpoints.load_resume(path, {}) is None


def test_resume_from_a_state_of_a_longer_run_is_refused(data):
    states = []
    _train(data, checkpoint_every=5, on_checkpoint=states.append)
    short = {**SPEC, "training": {**SPEC["training"], "epochs": 4}}
    with pytest.raises(ValueError, match="after epoch 5"):
        train_run(data, short, torch.device("cpu"), resume=states[0])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_or_inf_in_the_data_stops_fit_with_the_seed(bad):
    x = torch.randn(64, 3)
    y = x.sum(dim=1, keepdim=True)
    y[5] = bad
    model = torch.nn.Linear(3, 1)
    with pytest.raises(TrainingDiverged, match=r"epoch 1 \(seed 11\)"):
        fit(model, (x, y), (x[:8], y[:8]), loss="mse", epochs=3, batch_size=16, lr=0.01, weight_decay=0.0, seed=11)


def test_exploding_learning_rate_stops_training_with_the_seed(data):
    spec = {**SPEC, "training": {**SPEC["training"], "lr": 1e30}}
    with pytest.raises(TrainingDiverged, match=r"seed 3\).*lower the learning rate"):
        train_run(data, spec, torch.device("cpu"))


def _spec(**training):
    return {**SPEC, "training": {**SPEC["training"], **training}}


def test_early_stopping_keeps_the_weights_of_a_full_run(data):
    """With patience, training stops after the best epoch; the kept weights are
    those a run of all epochs keeps when its best epoch is the same."""
    full_model, full = train_run(data, _spec(epochs=40), torch.device("cpu"))
    stopped_model, stopped = train_run(data, _spec(epochs=40, patience=3), torch.device("cpu"))
    assert len(stopped["history"]) < 40
    assert len(stopped["history"]) == stopped["best_epoch"] + 3
    if full["best_epoch"] == stopped["best_epoch"]:
        assert _same_weights(full_model.state_dict(), stopped_model.state_dict())
    else:  # the full run found a better epoch after the stop
        assert full["best_epoch"] > len(stopped["history"])


def test_resumed_training_with_patience_equals_uninterrupted(data):
    states = []
    model, record = train_run(data, _spec(epochs=40, patience=3), torch.device("cpu"),
                              checkpoint_every=1, on_checkpoint=states.append)
    # every saved state resumes to the same stop and the same weights
    for state in (states[0], states[-1]):
        resumed, again = train_run(data, _spec(epochs=40, patience=3), torch.device("cpu"), resume=state)
        assert _same_weights(model.state_dict(), resumed.state_dict())
        assert len(again["history"]) == len(record["history"])


def test_sample_budget_keeps_the_steps_constant(data):
    """The first n_train samples, sample_budget / n_train epochs."""
    for n_train, epochs in ((40, 10), (140, 3)):
        spec = _spec(sample_budget=400, n_train=n_train)
        del spec["training"]["epochs"]
        _, record = train_run(data, spec, torch.device("cpu"))
        assert record["n_train"] == n_train and record["epochs"] == epochs
        assert len(record["history"]) == epochs


def test_more_training_samples_than_the_split_has_is_refused(data):
    with pytest.raises(ValueError, match="n_train 500 asks for more training samples than the dataset's 140"):
        train_run(data, _spec(n_train=500), torch.device("cpu"))


@pytest.mark.parametrize("regime", ["autoencoder", "layerwise"])
def test_training_regimes_record_their_stages(data, regime):
    model, record = train_run(data, _spec(regime=regime, pretrain_epochs=2), torch.device("cpu"))
    assert record["regime"] == regime
    if regime == "autoencoder":
        assert record["stages"]["pretrain"]["epochs"] == 2
    else:  # one record per layer before the last; the last is the run's history
        assert len(record["stages"]["layers"]) == SPEC["model"]["depth"] - 1
    assert math.isfinite(record["test"]["loss"])


def test_regimes_need_an_mlp(data):
    spec = {**_spec(regime="layerwise"), "model": {"arch": "cnn", "depth": 1, "width": 2, "kernel_size": 3}}
    with pytest.raises(ValueError, match="needs an mlp"):
        train_run(data, spec, torch.device("cpu"))


def test_the_number_of_classes_comes_from_the_task():
    """A training subset without the digit 9 still gets 10 outputs (not max label + 1)."""
    gen = torch.Generator().manual_seed(0)
    data = {f"x_{s}": torch.rand(n, 8, 8, generator=gen) for s, n in (("train", 60), ("val", 20), ("test", 20))}
    data.update({f"y_{s}": torch.arange(n) % 9 for s, n in (("train", 60), ("val", 20), ("test", 20))})
    spec = {"task": "rotmnist", "seed": 0, "model": {"arch": "mlp", "depth": 1, "width": 4},
            "training": {"epochs": 1, "batch_size": 20, "lr": 0.01, "weight_decay": 0.0}}
    model, record = train_run(data, spec, torch.device("cpu"))
    assert record["architecture"]["out_features"] == 10 and model(data["x_val"]).shape == (20, 10)
    data["y_train"] = data["y_train"] + 5  # labels 5..13: not digits
    with pytest.raises(ValueError, match="10 classes.*run from 5 to 13"):
        train_run(data, spec, torch.device("cpu"))


def test_a_colour_network_records_its_channels_and_restores_from_them():
    gen = torch.Generator().manual_seed(0)
    splits = (("train", 40), ("val", 10), ("test", 10))
    spec = {"task": "rotmnist", "seed": 0, "model": {"arch": "resnet", "depth": 1, "width": 2, "kernel_size": 3},
            "training": {"epochs": 1, "batch_size": 20, "lr": 0.01, "weight_decay": 0.0}}
    grey = {f"x_{s}": torch.rand(n, 8, 8, generator=gen) for s, n in splits}
    grey.update({f"y_{s}": torch.arange(n) % 10 for s, n in splits})
    colour = {**grey, **{f"x_{s}": torch.rand(n, 3, 8, 8, generator=gen) for s, n in splits}}
    _, grey_record = train_run(grey, spec, torch.device("cpu"))
    assert "in_channels" not in grey_record["architecture"]  # grey records keep the keys (and bytes) they had
    model, record = train_run(colour, spec, torch.device("cpu"))
    assert record["architecture"]["in_channels"] == 3 and record["architecture"]["in_features"] == 3 * 64
    restored = restore_model(record["architecture"], model.state_dict())
    torch.testing.assert_close(restored(colour["x_test"]), model.eval()(colour["x_test"]), atol=0, rtol=0)


# --- seeds trained together -------------------------------------------------------------------


def _group(data, seeds, **training):
    specs = [{**_spec(**training), "seed": seed} for seed in seeds]
    return train_runs(data, specs, torch.device("cpu"))


def test_a_network_trains_the_same_whatever_seeds_share_its_job(data):
    """Seed 3 with seed 5, or with seeds 5 and 8: the same weights and history, bit for bit."""
    pair, triple = _group(data, [3, 5]), _group(data, [8, 3, 5])
    for (model, record), (other, again) in ((pair[0], triple[1]), (pair[1], triple[2])):
        assert _same_weights(model.state_dict(), other.state_dict())
        assert record["history"] == again["history"] and record["test"] == again["test"]
    assert not _same_weights(pair[0][0].state_dict(), pair[1][0].state_dict())  # seeds differ
    assert pair[0][1]["trained_with_seeds"] == [3, 5]


def test_each_network_of_a_group_stops_at_its_own_epoch(data):
    group = _group(data, [0, 1, 2, 3], epochs=60, patience=2, lr=0.05)
    lengths = [len(record["history"]) for _, record in group]
    for _, record in group:
        assert len(record["history"]) == min(record["best_epoch"] + 2, 60)
        assert record["stopped_early"] == (len(record["history"]) < 60)
    assert len(set(lengths)) > 1, lengths  # they did not all stop together


def test_a_group_resumes_to_the_result_of_an_uninterrupted_run(data, tmp_path):
    options = dict(epochs=8, optimizer="adamw", schedule="one_cycle", patience=3)
    reference = _group(data, [1, 2], **options)
    specs = [{**_spec(**options), "seed": seed} for seed in (1, 2)]
    states = []
    train_runs(data, specs, torch.device("cpu"), checkpoint_every=3, on_checkpoint=states.append)
    for state in states:
        resumed = train_runs(data, specs, torch.device("cpu"), resume=state)
        for (model, record), (ref_model, ref_record) in zip(resumed, reference):
            assert _same_weights(model.state_dict(), ref_model.state_dict())
            assert record["history"] == ref_record["history"]


def test_runs_trained_together_differ_in_their_seed_alone(data):
    with pytest.raises(ValueError, match="differ in their seed alone"):
        train_runs(data, [_spec(), {**_spec(lr=0.5), "seed": 4}], torch.device("cpu"))
    with pytest.raises(ValueError, match="distinct seeds"):
        train_runs(data, [_spec(), _spec()], torch.device("cpu"))


def test_one_cycle_schedule_and_adamw_are_used(data):
    (_, constant), = _group(data, [0], epochs=4)
    (_, cycled), = _group(data, [0], epochs=4, optimizer="adamw", schedule="one_cycle")
    assert constant["history"] != cycled["history"]
    with pytest.raises(ValueError, match="unknown schedule"):
        _group(data, [0], schedule="cosine")


def _cnns(seeds):
    """Small CNNs, which train each as itself (not stacked)."""
    nets = []
    for seed in seeds:
        torch.manual_seed(seed)
        nets.append(torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                        torch.nn.Linear(4 * 6 * 6, 3)))  # fmt: skip
    return nets


def _images():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(96, 1, 8, 8, generator=g)
    y = x[:, 0, 0, 0].gt(0).long() + x[:, 0, 1, 1].gt(0).long()
    return (x[:64], y[:64]), (x[64:], y[64:])


def test_a_stopped_cnn_is_no_longer_computed_and_the_others_keep_their_bytes():
    train, val = _images()
    options = dict(loss="cross_entropy", epochs=12, batch_size=16, lr=0.05, weight_decay=0.0, patience=2)
    calls = []
    group = _cnns([0, 1, 2])
    for i, net in enumerate(group):
        net.register_forward_hook(lambda module, args, out, i=i: calls.append(i) if module.training else None)
    results = fit_together(group, train, val, seeds=[0, 1, 2], **options)
    epochs = [len(r.history) for r in results]
    assert len(set(epochs)) > 1 and all(r.stopped_early for r in results), epochs  # they stop at different epochs
    # 4 batches per epoch, computed only while the network trains
    assert [calls.count(i) for i in range(3)] == [4 * e for e in epochs]
    for seed, net, result in zip([0, 1, 2], group, results):
        (alone,) = _cnns([seed])
        again = fit(alone, train, val, seed=seed, **options)
        assert _same_weights(net.state_dict(), alone.state_dict())
        assert result.history == again.history


def test_bf16_trains_in_autocast_and_keeps_float32_weights(data):
    x, y = data["x_train"].float(), data["y_train"].float()
    options = dict(loss="mse", epochs=25, batch_size=32, lr=0.01, weight_decay=0.0)
    results = {}
    for precision in (*PRECISIONS, "bf16"):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 32), torch.nn.Tanh(), torch.nn.Linear(32, y.shape[1]))
        result = fit(net, (x, y), (x, y), seed=0, precision=precision, **options)
        if precision in results:  # the second bf16 run: the same bytes
            assert _same_weights(net.state_dict(), results[precision][0].state_dict())
        results[precision] = (net, result)
    (fp32, r32), (bf16, r16) = results["fp32"], results["bf16"]
    assert all(p.dtype == torch.float32 for p in bf16.parameters())
    assert not _same_weights(fp32.state_dict(), bf16.state_dict())  # the forward pass did run in bfloat16
    first = r16.history[0]["val_loss"]
    assert r16.best_val_loss < 0.5 * first and r16.best_val_loss < 2 * r32.best_val_loss
    with pytest.raises(ValueError, match="unknown precision 'fp16'"):
        fit(bf16, (x, y), (x, y), seed=0, precision="fp16", **options)
