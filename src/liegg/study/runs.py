"""Train the network a run spec describes.

These functions tie the library together for the workflow's scripts; they do
no file I/O.
"""

from __future__ import annotations

import logging
import platform
import time

import numpy as np
import torch

from .models import Standardized, build_model, count_parameters
from .regimes import pretrain_autoencoder, train_layerwise
from .splits import training_subset
from .tasks import get_task
from .training import evaluate, fit, seed_everything

__all__ = ["REGIMES", "train_run", "training_epochs", "versions"]

log = logging.getLogger(__name__)

#: How a network is trained: all layers at once; autoencoder pre-training of
#: the hidden layers (no labels) then end-to-end fine-tuning; greedy layer-wise.
REGIMES = ("end_to_end", "autoencoder", "layerwise")


def versions() -> dict:
    """Versions of the software that produced a result."""
    from .. import __version__

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__, "liegg": __version__}


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
    return {"task": task.name, "model": spec["model"], "in_features": x_train[0].numel(), "out_features": out_features}


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


def train_run(
    data: dict,
    spec: dict,
    device: torch.device,
    *,
    checkpoint_every: int = 0,
    on_checkpoint=None,
    resume: dict | None = None,
) -> tuple[torch.nn.Module, dict]:
    """Train the network a run spec describes.

    Parameters
    ----------
    data : dict
        ``x_train, y_train, x_val, y_val, x_test, y_test`` tensors.
    spec : dict
        ``task``, ``seed``, ``model`` (see :func:`liegg.build_model`) and
        ``training``: ``epochs`` (or ``sample_budget``, see
        :func:`training_epochs`), ``batch_size, lr, weight_decay``, and
        optionally ``monitor``, ``patience``, ``n_train`` (see
        :func:`liegg.study.splits.training_subset`), ``regime`` (one of :data:`REGIMES`; MLPs
        only for the last two) and ``pretrain_epochs`` (autoencoder stage;
        default ``epochs``).
    device : torch.device
    checkpoint_every, on_checkpoint, resume
        Periodic training states and resuming from one, see :func:`liegg.fit`;
        end-to-end training only (the other regimes restart when killed).

    Returns
    -------
    model : nn.Module
        On the CPU, holding the best-validation weights.
    record : dict
        Training history, test scores, parameter count, timings, versions, and
        ``architecture``, which :func:`liegg.study.models.restore_model` needs with the weights.
    """
    task = get_task(spec["task"])
    training = spec["training"]
    regime = training.get("regime", "end_to_end")
    if regime not in REGIMES:
        raise ValueError(f"unknown training regime {regime!r}; use one of {', '.join(REGIMES)}")
    if regime != "end_to_end" and spec["model"]["arch"] != "mlp":
        raise ValueError(f"training regime {regime!r} needs an mlp, not a {spec['model']['arch']}")
    started = time.perf_counter()
    seed_everything(spec["seed"])
    data = training_subset(data, training.get("n_train"))
    split = {k: v.to(device=device, dtype=torch.float32 if k.startswith("x") or task.loss == "mse" else torch.long)
             for k, v in data.items() if k[:2] in ("x_", "y_")}
    stats = task.standardize(split["x_train"].cpu(), split["y_train"].cpu())
    architecture = _architecture(task, spec, split["x_train"], split["y_train"])
    net = build_model(spec["model"], architecture["in_features"], architecture["out_features"])
    model = Standardized(net, *stats).to(device)
    n_train = len(split["x_train"])
    epochs = training_epochs(training, n_train)
    train, val = (split["x_train"], split["y_train"]), (split["x_val"], split["y_val"])
    stage = dict(batch_size=training["batch_size"], lr=training["lr"], weight_decay=training["weight_decay"],
                 seed=spec["seed"])
    supervised = dict(stage, epochs=epochs, monitor=training.get("monitor", "loss"),
                      patience=training.get("patience", 0))
    stages = {}
    if regime == "autoencoder":
        pretrain_epochs = training.get("pretrain_epochs", epochs)
        log.info("autoencoder pre-training, %d epochs", pretrain_epochs)
        pre = pretrain_autoencoder(model, train[0], val[0], epochs=pretrain_epochs, **stage)
        stages["pretrain"] = {"epochs": pretrain_epochs, "best_val_loss": pre.best_val_loss, "history": pre.history}
    if regime == "layerwise":
        per_layer = train_layerwise(model, train, val, loss=task.loss, **supervised)
        stages["layers"] = [{"best_epoch": r.best_epoch, "best_val_loss": r.best_val_loss} for r in per_layer[:-1]]
        result = per_layer[-1]
    else:
        if regime != "end_to_end" and (checkpoint_every or resume):
            log.info("regime %s: no resume states (a killed run restarts)", regime)
            checkpoint_every, resume = 0, None
        result = fit(
            model, train, val, loss=task.loss, **supervised,
            checkpoint_every=checkpoint_every, on_checkpoint=on_checkpoint, resume=resume,
        )
    seconds = time.perf_counter() - started if regime != "end_to_end" else result.seconds
    record = {
        "spec": spec,
        "architecture": architecture,
        "device": str(device),
        "regime": regime,
        "n_train": n_train,
        "epochs": epochs,
        "n_parameters": count_parameters(model.net),
        "best_epoch": result.best_epoch,
        "history": result.history,
        "stages": stages,
        "train_seconds": seconds,
        "train_samples_per_second": n_train * len(result.history) / max(result.seconds, 1e-9),
        "val": evaluate(model, split["x_val"], split["y_val"], task.loss),
        "test": evaluate(model, split["x_test"], split["y_test"], task.loss),
        "versions": versions(),
    }
    return model.cpu(), record
