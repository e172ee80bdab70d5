"""Train the network a run spec describes, and rebuild it from its weights.

These functions tie the library together for the workflow's scripts; they do
no file I/O.
"""

from __future__ import annotations

import platform

import numpy as np
import torch

from .models import Standardized, build_model, count_parameters
from .tasks import get_task
from .training import evaluate, fit, seed_everything

__all__ = ["train_run", "restore_model", "versions"]


def versions() -> dict:
    """Versions of the software that produced a result."""
    from . import __version__

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__, "liegg": __version__}


def _architecture(task, spec, x_train, y_train) -> dict:
    """Everything needed to rebuild the network, saved with its weights."""
    out_features = y_train.shape[1] if task.loss == "mse" else int(y_train.max()) + 1
    return {"task": task.name, "model": spec["model"], "in_features": x_train[0].numel(), "out_features": out_features}


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
        ``training`` (``epochs, batch_size, lr, weight_decay``).
    device : torch.device
    checkpoint_every, on_checkpoint, resume
        Periodic training states and resuming from one, see :func:`liegg.fit`.

    Returns
    -------
    model : nn.Module
        On the CPU, holding the best-validation weights.
    record : dict
        Training history, test scores, parameter count, timings, versions, and
        ``architecture``, which :func:`restore_model` needs with the weights.
    """
    task = get_task(spec["task"])
    seed_everything(spec["seed"])
    split = {k: v.to(device=device, dtype=torch.float32 if k.startswith("x") or task.loss == "mse" else torch.long)
             for k, v in data.items()}
    stats = task.standardize(split["x_train"].cpu(), split["y_train"].cpu())
    architecture = _architecture(task, spec, split["x_train"], split["y_train"])
    net = build_model(spec["model"], architecture["in_features"], architecture["out_features"])
    model = Standardized(net, *stats).to(device)
    training = spec["training"]
    result = fit(
        model,
        (split["x_train"], split["y_train"]),
        (split["x_val"], split["y_val"]),
        loss=task.loss,
        epochs=training["epochs"],
        batch_size=training["batch_size"],
        lr=training["lr"],
        weight_decay=training["weight_decay"],
        seed=spec["seed"],
        monitor=training.get("monitor", "loss"),
        checkpoint_every=checkpoint_every,
        on_checkpoint=on_checkpoint,
        resume=resume,
    )
    n_train = len(split["x_train"])
    record = {
        "spec": spec,
        "architecture": architecture,
        "device": str(device),
        "n_parameters": count_parameters(model.net),
        "best_epoch": result.best_epoch,
        "history": result.history,
        "train_seconds": result.seconds,
        "train_samples_per_second": n_train * training["epochs"] / max(result.seconds, 1e-9),
        "val": evaluate(model, split["x_val"], split["y_val"], task.loss),
        "test": evaluate(model, split["x_test"], split["y_test"], task.loss),
        "versions": versions(),
    }
    return model.cpu(), record


def restore_model(architecture: dict, state_dict: dict) -> torch.nn.Module:
    """Rebuild a trained model from its ``architecture`` record and weights (CPU).

    Raises ValueError when the weights do not fit the architecture.
    """
    task = get_task(architecture["task"])
    net = build_model(architecture["model"], architecture["in_features"], architecture["out_features"])
    model = Standardized(net, 0.0, 1.0, 0.0, 1.0)
    # The saved statistics have the shapes of the data they came from.
    for name in ("x_shift", "x_scale", "y_shift", "y_scale"):
        if name in state_dict:
            setattr(model, name, torch.empty_like(state_dict[name]))
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as err:
        raise ValueError(f"weights do not fit a {architecture['model']} network for task {task.name}: {err}") from None
    return model.eval()
