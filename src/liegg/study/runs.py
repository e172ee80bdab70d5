"""Train the networks run specs describe: the seeds of one setting together.

These functions tie the library together for the workflow's scripts; they do
no file I/O.
"""

from __future__ import annotations

import logging
import platform
import time

import numpy as np
import torch

from .devices import bf16_support, resolve_precision
from .models import Standardized, build_from_architecture, count_parameters
from .names import REGIMES
from .regimes import pretrain_autoencoder, train_layerwise
from .splits import training_subset
from .tasks import get_task
from .training import evaluate, fit_together, seed_everything

__all__ = ["REGIMES", "train_runs", "train_run", "training_epochs", "versions"]

log = logging.getLogger(__name__)


def versions() -> dict:
    """Versions of the software that produced a result."""
    from .. import __version__

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "liegg": __version__,
    }


def _architecture(task, spec, x_train, y_train) -> dict:
    """Everything needed to rebuild the network, saved with its weights."""
    if task.n_classes is None:
        out_features = y_train.shape[1]
    else:
        # From the task, not the labels: a training subset may lack the last class.
        out_features = task.n_classes
        if int(y_train.min()) < 0 or int(y_train.max()) >= out_features:
            raise ValueError(
                f"task {task.name!r} has {out_features} classes, but the training labels run from "
                f"{int(y_train.min())} to {int(y_train.max())}; rebuild the dataset"
            )
    record = {"task": task.name, "model": spec["model"], "in_features": x_train[0].numel(),
              "out_features": out_features}  # fmt: skip
    if x_train.ndim == 4:  # images with channels (N, C, H, W); one-channel ones are (N, H, W)
        record["in_channels"] = int(x_train.shape[1])
    return record


def training_epochs(training: dict, n_train: int) -> int:
    """``epochs``, or ``sample_budget / n_train`` rounded: the same number of
    optimizer steps for every training-set size (the authors' 900 000 / N rule).

    Examples
    --------
    >>> training_epochs({"sample_budget": 900000}, 500), training_epochs({"epochs": 7}, 500)
    (1800, 7)
    """
    if "epochs" in training:
        return training["epochs"]
    return max(1, round(training["sample_budget"] / n_train))


def _check_group(specs: list[dict]) -> None:
    """The specs of one group differ in their seed alone."""
    if not specs:
        raise ValueError("no runs to train")
    first = {k: v for k, v in specs[0].items() if k != "seed"}
    for spec in specs[1:]:
        if {k: v for k, v in spec.items() if k != "seed"} != first:
            raise ValueError("runs trained together must differ in their seed alone")
    seeds = [spec["seed"] for spec in specs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"runs trained together need distinct seeds, got {seeds}")


def train_runs(
    data: dict,
    specs: list[dict],
    device: torch.device,
    *,
    checkpoint_every: int = 0,
    on_checkpoint=None,
    resume: dict | None = None,
) -> list[tuple[torch.nn.Module, dict]]:
    """Train the networks of one setting, one per seed, together.

    Parameters
    ----------
    data : dict
        ``x_train, y_train, x_val, y_val, x_test, y_test`` tensors.
    specs : list of dict
        Run specs that differ in their seed alone: ``task``, ``seed``,
        ``model`` (see :func:`liegg.study.models.build_model`) and ``training``:
        ``epochs`` (or ``sample_budget``, see :func:`training_epochs`),
        ``batch_size, lr, weight_decay``, and optionally ``monitor``,
        ``patience``, ``optimizer``, ``schedule`` (see
        :func:`liegg.study.training.fit_together`), ``precision`` (``fp32``,
        ``bf16`` or ``auto``, see :func:`liegg.study.devices.resolve_precision`), ``n_train`` (see
        :func:`liegg.study.splits.training_subset`), ``regime`` (one of
        :data:`REGIMES`; MLPs only for the last two) and ``pretrain_epochs``
        (autoencoder stage; default ``epochs``).
    device : torch.device
    checkpoint_every, on_checkpoint, resume
        Periodic training states and resuming from one, see
        :func:`liegg.study.training.fit_together`; end-to-end training only
        (the other regimes train one seed after the other and restart when killed).

    Returns
    -------
    list of (model, record), in the order of ``specs``
        The model on the CPU, holding its best-validation weights; the record
        with the training history, test scores, parameter count, timings,
        versions, and ``architecture``, which
        :func:`liegg.study.models.restore_model` needs with the weights.
    """
    _check_group(specs)
    spec = specs[0]
    task = get_task(spec["task"])
    training = spec["training"]
    regime = training.get("regime", "end_to_end")
    if regime not in REGIMES:
        raise ValueError(f"unknown training regime {regime!r}; use one of {', '.join(REGIMES)}")
    if regime != "end_to_end" and spec["model"]["arch"] != "mlp":
        raise ValueError(f"training regime {regime!r} needs an mlp, not a {spec['model']['arch']}")
    if regime != "end_to_end":
        if checkpoint_every or resume:
            log.info("regime %s: no resume states (a killed run restarts)", regime)
        return [_train_regime(data, one, device, task, regime) for one in specs]
    started = time.perf_counter()
    split, stats, architecture = _prepare(data, spec, device, task)
    models = []
    for one in specs:
        seed_everything(one["seed"])  # each network starts as it would alone
        net = build_from_architecture(architecture)
        models.append(Standardized(net, *stats).to(device))
    epochs = training_epochs(training, len(split["x_train"]))
    results = fit_together(
        models, (split["x_train"], split["y_train"]), (split["x_val"], split["y_val"]),
        seeds=[one["seed"] for one in specs], loss=task.loss, epochs=epochs,
        **_fit_options(training, spec, device, architecture),
        checkpoint_every=checkpoint_every, on_checkpoint=on_checkpoint, resume=resume,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return [
        (model.cpu(), _record(one, model, result, split, architecture, device, epochs, {}, seconds / len(specs),
                              [s["seed"] for s in specs]))
        for one, model, result in zip(specs, models, results)
    ]  # fmt: skip


def train_run(data: dict, spec: dict, device: torch.device, **kwargs) -> tuple[torch.nn.Module, dict]:
    """Train the network one run spec describes: :func:`train_runs` of one."""
    return train_runs(data, [spec], device, **kwargs)[0]


def _prepare(data, spec, device, task):
    """The run's splits on the device, the standardisation statistics and the architecture record."""
    data = training_subset(data, spec["training"].get("n_train"))
    split = {
        k: v.to(device=device, dtype=torch.float32 if k.startswith("x") or task.loss == "mse" else torch.long)
        for k, v in data.items()
        if k[:2] in ("x_", "y_")
    }
    stats = task.standardize(split["x_train"].cpu(), split["y_train"].cpu())
    return split, stats, _architecture(task, spec, split["x_train"], split["y_train"])


def _precision(spec: dict, device: torch.device, architecture: dict) -> str:
    return resolve_precision(spec["training"].get("precision", "fp32"), device, spec["model"],
                             architecture["in_features"])  # fmt: skip


def _fit_options(training: dict, spec: dict, device: torch.device, architecture: dict) -> dict:
    return dict(
        batch_size=training["batch_size"], lr=training["lr"], weight_decay=training["weight_decay"],
        monitor=training.get("monitor", "loss"), patience=training.get("patience", 0),
        optimizer=training.get("optimizer", "adam"), schedule=training.get("schedule", "constant"),
        precision=_precision(spec, device, architecture),
    )  # fmt: skip


def _train_regime(data, spec, device, task, regime):
    """One network of the autoencoder or layer-wise regime (see :mod:`liegg.study.regimes`)."""
    started = time.perf_counter()
    split, stats, architecture = _prepare(data, spec, device, task)
    seed_everything(spec["seed"])
    net = build_from_architecture(architecture)
    model = Standardized(net, *stats).to(device)
    training = spec["training"]
    epochs = training_epochs(training, len(split["x_train"]))
    options = _fit_options(training, spec, device, architecture)
    train, val = (split["x_train"], split["y_train"]), (split["x_val"], split["y_val"])
    stages = {}
    if regime == "autoencoder":
        pretrain_epochs = training.get("pretrain_epochs", epochs)
        log.info("seed %d: autoencoder pre-training, %d epochs", spec["seed"], pretrain_epochs)
        unsupervised = {k: v for k, v in options.items() if k not in ("monitor", "patience")}
        pre = pretrain_autoencoder(model, train[0], val[0], epochs=pretrain_epochs, seed=spec["seed"], **unsupervised)
        stages["pretrain"] = {"epochs": pretrain_epochs, "best_val_loss": pre.best_val_loss, "history": pre.history}
        result = fit_together([model], train, val, seeds=[spec["seed"]], loss=task.loss, epochs=epochs, **options)[0]
    else:
        per_layer = train_layerwise(model, train, val, loss=task.loss, epochs=epochs, seed=spec["seed"], **options)
        stages["layers"] = [{"best_epoch": r.best_epoch, "best_val_loss": r.best_val_loss} for r in per_layer[:-1]]
        result = per_layer[-1]
    seconds = time.perf_counter() - started
    return model.cpu(), _record(
        spec, model, result, split, architecture, device, epochs, stages, seconds, [spec["seed"]]
    )


def _record(spec, model, result, split, architecture, device, epochs, stages, seconds, trained_with) -> dict:
    task = get_task(spec["task"])
    n_train = len(split["x_train"])
    return {
        "spec": spec,
        "architecture": architecture,
        "device": str(device),
        # What the run trained in: a config's `auto` depends on the machine (see resolve_precision).
        "precision": _precision(spec, device, architecture),
        "bf16_support": bf16_support(device),
        "regime": spec["training"].get("regime", "end_to_end"),
        "n_train": n_train,
        "epochs": epochs,
        "n_parameters": count_parameters(model.net),
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "history": result.history,
        "stages": stages,
        # This run's share of the wall time of the networks trained with it (seeds ``trained_with``).
        "train_seconds": seconds,
        "trained_with_seeds": trained_with,
        "train_samples_per_second": n_train * len(result.history) / max(result.seconds, 1e-9),
        "val": evaluate(model, split["x_val"], split["y_val"], task.loss),
        "test": evaluate(model, split["x_test"], split["y_test"], task.loss),
        "versions": versions(),
    }
