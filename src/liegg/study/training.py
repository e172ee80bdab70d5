"""Minibatch training on tensors held in memory, with a best-validation checkpoint."""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from .._modes import eval_mode

__all__ = ["TrainingDiverged", "TrainResult", "seed_everything", "evaluate", "fit"]

log = logging.getLogger(__name__)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass
class TrainResult:
    """What :func:`fit` did.

    Attributes
    ----------
    best_epoch : int
        Epoch (1-based) whose weights were kept; 0 means the initial weights.
    best_val_loss : float
    history : list of dict
        One entry per epoch: ``epoch``, ``train_loss``, ``val_loss`` (and
        ``val_accuracy`` for classification).
    seconds : float
        Wall time of the training loop.
    """

    best_epoch: int
    best_val_loss: float
    history: list = field(default_factory=list)
    seconds: float = 0.0


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed torch (CPU and CUDA) and ask for deterministic algorithms."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)


def _loss_function(kind: str):
    if kind == "mse":
        return nn.functional.mse_loss
    if kind == "cross_entropy":
        return nn.functional.cross_entropy
    raise ValueError(f"unknown loss {kind!r}; use 'mse' or 'cross_entropy'")


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: str, batch_size: int = 4096) -> dict:
    """Mean loss (and accuracy for classification) over a whole split.

    Parameters
    ----------
    model : nn.Module
    x : Tensor of shape ``(N, ...)``
    y : Tensor of shape ``(N, K)`` for ``"mse"`` or ``(N,)`` class indices
    loss : {"mse", "cross_entropy"}

    Returns
    -------
    dict with ``loss`` and, for ``"cross_entropy"``, ``accuracy``.
    """
    loss_fn = _loss_function(loss)
    total, correct = 0.0, 0
    with eval_mode(model):
        for xb, yb in zip(x.split(batch_size), y.split(batch_size)):
            out = model(xb)
            total += float(loss_fn(out, yb, reduction="sum")) / (out.shape[1] if loss == "mse" else 1)
            if loss == "cross_entropy":
                correct += int((out.argmax(dim=1) == yb).sum())
    result = {"loss": total / len(x)}
    if loss == "cross_entropy":
        result["accuracy"] = correct / len(x)
    return result


def _state(epoch, model, optimizer, order_gen, best_state, best_score, result) -> dict:
    """Everything :func:`fit` needs to continue after ``epoch`` (a deep copy)."""
    return copy.deepcopy({
        "epoch": epoch,
        "best_score": best_score,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "order_rng": order_gen.get_state(),
        "torch_rng": torch.get_rng_state(),
        "best_state": best_state,
        "best_epoch": result.best_epoch,
        "best_val_loss": result.best_val_loss,
        "history": result.history,
        "seconds": result.seconds,
    })


def _restore(state: dict, model, optimizer, order_gen, epochs: int) -> int:
    """Load a :func:`_state` dict; return the first epoch still to run."""
    missing = sorted(set(_STATE_KEYS) - set(state))
    if missing:
        raise ValueError(f"resume state lacks {missing}")
    if not 1 <= state["epoch"] < epochs:
        raise ValueError(f"resume state is after epoch {state['epoch']}, but training has {epochs} epochs")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    order_gen.set_state(state["order_rng"])
    torch.set_rng_state(state["torch_rng"])
    return state["epoch"] + 1


_STATE_KEYS = ("epoch", "best_score", "model", "optimizer", "order_rng", "torch_rng", "best_state", "best_epoch",
               "best_val_loss", "history", "seconds")


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    *,
    loss: str,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    seed: int,
    monitor: str = "loss",
    patience: int = 0,
    checkpoint_every: int = 0,
    on_checkpoint: Callable[[dict], None] | None = None,
    resume: dict | None = None,
) -> TrainResult:
    """Train with Adam and keep the weights of the best validation epoch.

    The data stay where they are (move them to the model's device first);
    batches are drawn by indexing, with no per-sample Python work. The model
    ends holding the best weights.

    Parameters
    ----------
    model : nn.Module
    train, val : (x, y) pairs of tensors on the model's device
    loss : {"mse", "cross_entropy"}
    epochs, batch_size : int
    lr, weight_decay : float
        Adam's learning rate and (L2) weight decay.
    seed : int
        Seeds the batch order.
    monitor : {"loss", "accuracy"}
        Keep the epoch of the lowest validation loss, or the first epoch of the
        highest validation accuracy (classification; as the authors' code).
    patience : int
        Stop early after this many epochs without a better validation score
        (0: train all ``epochs``). The result is the same as that of a run
        of all epochs whenever the best epoch comes before the stop.
    checkpoint_every : int
        Every this many epochs (0: never), call ``on_checkpoint(state)`` with
        the complete training state: model, optimizer, the random states of
        the batch order and of torch, the best weights so far and the
        history. Everything in it is a tensor or plain Python, so it loads
        with ``torch.load(..., weights_only=True)``.
    on_checkpoint : callable, optional
        Receives the state (a copy it may keep).
    resume : dict, optional
        A state passed to ``on_checkpoint`` by an earlier, interrupted call
        with the same arguments: training continues after its epoch and ends
        with exactly the weights and history of an uninterrupted call (on the
        CPU, bit for bit).

    Returns
    -------
    TrainResult

    Raises
    ------
    TrainingDiverged
        When the loss of an epoch is NaN or infinite; the message names the
        epoch and the seed.

    Examples
    --------
    >>> x = torch.randn(64, 3); y = x.sum(dim=1, keepdim=True)
    >>> states = []
    >>> def run(**kw):
    ...     torch.manual_seed(0)
    ...     model = nn.Linear(3, 1)
    ...     fit(model, (x, y), (x, y), loss="mse", epochs=4, batch_size=16, lr=0.01,
    ...         weight_decay=0.0, seed=0, **kw)
    ...     return model.weight
    >>> full = run(checkpoint_every=2, on_checkpoint=states.append)
    >>> [s["epoch"] for s in states]
    [2]
    >>> bool(torch.equal(run(resume=states[0]), full))
    True
    """
    loss_fn = _loss_function(loss)
    if monitor not in ("loss", "accuracy") or (monitor == "accuracy" and loss != "cross_entropy"):
        raise ValueError(f"monitor must be 'loss', or 'accuracy' with loss='cross_entropy'; got {monitor!r}")
    x_train, y_train = train
    n = len(x_train)
    order_gen = torch.Generator().manual_seed(seed)
    # Frozen parameters (layer-wise training) are left out of the optimizer.
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr, weight_decay=weight_decay)
    if resume is None:
        first = 1
        best = evaluate(model, *val, loss=loss)
        result = TrainResult(best_epoch=0, best_val_loss=best["loss"])
        best_score = -best["accuracy"] if monitor == "accuracy" else best["loss"]
        best_state = copy.deepcopy(model.state_dict())
    else:
        first = _restore(resume, model, optimizer, order_gen, epochs)
        result = TrainResult(
            best_epoch=resume["best_epoch"], best_val_loss=resume["best_val_loss"],
            history=list(resume["history"]), seconds=resume["seconds"],
        )
        best_state = copy.deepcopy(resume["best_state"])
        best_score = resume["best_score"]
        log.info("resuming after epoch %d of %d", first - 1, epochs)
    start = time.perf_counter() - result.seconds
    for epoch in range(first, epochs + 1):
        model.train()
        order = torch.randperm(n, generator=order_gen).to(x_train.device)
        running = torch.zeros((), device=x_train.device)
        for batch in order.split(batch_size):
            optimizer.zero_grad(set_to_none=True)
            batch_loss = loss_fn(model(x_train[batch]), y_train[batch])
            batch_loss.backward()
            optimizer.step()
            running += batch_loss.detach() * len(batch)
        train_loss = float(running) / n
        if not math.isfinite(train_loss):
            raise TrainingDiverged(
                f"training loss became {train_loss} at epoch {epoch} (seed {seed}); "
                "lower the learning rate or check the data for NaN/inf"
            )
        scores = evaluate(model, *val, loss=loss)
        record = {"epoch": epoch, "train_loss": train_loss, **{f"val_{k}": v for k, v in scores.items()}}
        result.history.append(record)
        score = -scores["accuracy"] if monitor == "accuracy" else scores["loss"]
        if score < best_score:
            best_score = score
            result.best_epoch, result.best_val_loss = epoch, scores["loss"]
            best_state = copy.deepcopy(model.state_dict())
        elapsed = time.perf_counter() - start
        log.info(
            "epoch %d/%d train_loss %.5g val_loss %.5g best_epoch %d (%.0f samples/s)",
            epoch, epochs, train_loss, scores["loss"], result.best_epoch, epoch * n / max(elapsed, 1e-9),
        )
        if patience and epoch - result.best_epoch >= patience:
            log.info("stopping early: no better validation score for %d epochs", patience)
            break
        if checkpoint_every and on_checkpoint is not None and epoch % checkpoint_every == 0 and epoch < epochs:
            result.seconds = elapsed
            on_checkpoint(_state(epoch, model, optimizer, order_gen, best_state, best_score, result))
    result.seconds = time.perf_counter() - start
    model.load_state_dict(best_state)
    return result
