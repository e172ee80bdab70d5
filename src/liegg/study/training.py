"""Minibatch training on tensors held in memory, with a best-validation checkpoint.

Several networks of one architecture (the seeds of one setting) train
together, in lockstep. MLPs have their parameters stacked, and one step of
all of them is one batched call (``torch.func.functional_call`` under
``vmap``): a job trains its seeds at about the cost of one when the networks
are small, and never pays the per-step overhead more than once. CNNs (whose
batched convolutions are slower on a CPU than one network after the other)
and single networks step each network as itself. Each network has its own
initial weights, batch order, optimiser moments, best epoch and early stop.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn
from torch.func import functional_call, vmap

from .._modes import eval_mode

__all__ = ["TrainingDiverged", "TrainResult", "OPTIMIZERS", "PRECISIONS", "SCHEDULES", "seed_everything", "evaluate",
           "fit", "fit_together"]

log = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "adamw")
#: ``fp32`` throughout, or ``bf16``: the training forward pass under bfloat16 autocast.
PRECISIONS = ("fp32", "bf16")
#: ``constant`` learning rate, or ``one_cycle``: up from lr/25 to lr over the first 30 %
#: of all steps, then down to lr/10^4 (:class:`torch.optim.lr_scheduler.OneCycleLR`).
SCHEDULES = ("constant", "one_cycle")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass
class TrainResult:
    """What :func:`fit` did for one network.

    Attributes
    ----------
    best_epoch : int
        Epoch (1-based) whose weights were kept; 0 means the initial weights.
    best_val_loss : float
    history : list of dict
        One entry per epoch: ``epoch``, ``train_loss``, ``val_loss`` (and
        ``val_accuracy`` for classification).
    seconds : float
        Wall time of the training loop (shared by networks trained together).
    stopped_early : bool
        Whether patience ended training before the last epoch.
    """

    best_epoch: int
    best_val_loss: float
    history: list = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed torch (CPU and CUDA) and ask for deterministic algorithms."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)


def _check_loss(kind: str) -> None:
    if kind not in ("mse", "cross_entropy"):
        raise ValueError(f"unknown loss {kind!r}; use 'mse' or 'cross_entropy'")


def _losses(out: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """Mean loss of each network: ``out`` is ``(S, B, K)``, ``y`` ``(S, B, K)`` or ``(S, B)``."""
    if kind == "mse":
        return (out - y).pow(2).mean(dim=(1, 2))
    n_models, batch = y.shape
    flat = nn.functional.cross_entropy(out.reshape(n_models * batch, -1), y.reshape(-1), reduction="none")
    return flat.reshape(n_models, batch).mean(dim=1)


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
    _check_loss(loss)
    total, correct = 0.0, 0
    with eval_mode(model):
        for xb, yb in zip(x.split(batch_size), y.split(batch_size)):
            out = model(xb)
            if loss == "mse":
                total += float(nn.functional.mse_loss(out, yb, reduction="sum")) / out.shape[1]
            else:
                total += float(nn.functional.cross_entropy(out, yb, reduction="sum"))
                correct += int((out.argmax(dim=1) == yb).sum())
    result = {"loss": total / len(x)}
    if loss == "cross_entropy":
        result["accuracy"] = correct / len(x)
    return result


class _Looped:
    """Several networks, each called as itself: the plain arithmetic of training it alone.

    Used for one network, and for CNNs, whose batched convolutions (grouped, as
    ``vmap`` runs them) are slower on a CPU than the networks one after the other."""

    def __init__(self, models: list[nn.Module]):
        self.models = models

    def trainable(self) -> list[torch.Tensor]:
        return [p for m in self.models for p in m.parameters() if p.requires_grad]

    def stepped(self, active: list[bool]) -> list[int]:
        """The networks an epoch computes: those still training (each is independent)."""
        return [i for i, on in enumerate(active) if on]

    def forward(self, x: torch.Tensor, stepped: list[int]) -> torch.Tensor:
        """Outputs of networks ``stepped`` (in training mode) on their batches ``x``."""
        models = [self.models[i] for i in stepped]
        for m in models:
            m.train()
        return torch.stack([m(xi) for m, xi in zip(models, x)])

    @torch.no_grad()
    def outputs(self, x: torch.Tensor, stepped: list[int]) -> torch.Tensor:
        models = [self.models[i] for i in stepped]
        for m in models:
            m.eval()
        return torch.stack([m(x) for m in models])

    def state_of(self, i: int) -> dict:
        return copy.deepcopy(self.models[i].state_dict())

    def state(self) -> list[dict]:
        return [copy.deepcopy(m.state_dict()) for m in self.models]

    def load_state(self, state: list[dict]) -> None:
        for m, s in zip(self.models, state):
            m.load_state_dict(s)


class _Stacked:
    """Several networks of one architecture with their parameters stacked along a leading
    axis: one step of all of them is one batched call (``functional_call`` under ``vmap``)."""

    def __init__(self, models: list[nn.Module]):
        self.models = models
        self.base = copy.deepcopy(models[0]).to("meta")
        named = [dict(m.named_parameters()) for m in models]
        self.params = {
            name: torch.stack([p[name].detach() for p in named]).requires_grad_(param.requires_grad)
            for name, param in named[0].items()
        }
        self.buffers = {name: torch.stack([dict(m.named_buffers())[name] for m in models])
                        for name, _ in models[0].named_buffers()}
        self._train = vmap(self._call)
        self._eval = vmap(self._call, in_dims=(0, 0, None))

    def _call(self, params, buffers, x):
        return functional_call(self.base, (params, buffers), (x,))

    def trainable(self) -> list[torch.Tensor]:
        return [p for p in self.params.values() if p.requires_grad]

    def stepped(self, active: list[bool]) -> list[int]:
        """Every network, stopped or not: one batched call, and the others' bytes unchanged."""
        return list(range(len(self.models)))

    def forward(self, x: torch.Tensor, stepped: list[int]) -> torch.Tensor:
        self.base.train()
        return self._train(self.params, self.buffers, x)

    @torch.no_grad()
    def outputs(self, x: torch.Tensor, stepped: list[int]) -> torch.Tensor:
        self.base.eval()
        return self._eval(self.params, self.buffers, x)

    def state_of(self, i: int) -> dict:
        state = {name: value[i].detach().clone() for name, value in {**self.params, **self.buffers}.items()}
        return {name: state[name] for name in self.models[i].state_dict()}

    def state(self) -> dict:
        return {name: value.detach().clone() for name, value in self.params.items()}

    def load_state(self, state: dict) -> None:
        with torch.no_grad():
            for name, value in state.items():
                self.params[name].copy_(value)


def _stack(models: list[nn.Module]):
    """Networks stacked for a batched step: more than one, and none with a convolution."""
    has_conv = any(isinstance(m, nn.Conv2d) for model in models for m in model.modules())
    return _Stacked(models) if len(models) > 1 and not has_conv else _Looped(models)


@torch.no_grad()
def _evaluate_all(stack, x: torch.Tensor, y: torch.Tensor, loss: str, batch_size: int = 4096,
                  stepped: list[int] | None = None) -> list[dict]:
    """:func:`evaluate` of the networks ``stepped`` of ``stack`` (default all) on the same
    split; NaN scores for the others."""
    stepped = list(range(len(stack.models))) if stepped is None else stepped
    totals = torch.zeros(len(stepped), dtype=torch.float64)
    correct = torch.zeros(len(stepped), dtype=torch.int64)
    for xb, yb in zip(x.split(batch_size), y.split(batch_size)):
        out = stack.outputs(xb, stepped)
        target = yb.expand(len(stepped), *yb.shape)
        totals += _losses(out, target, loss).double().cpu() * len(xb)
        if loss == "cross_entropy":
            correct += (out.argmax(dim=2) == target).sum(dim=1).cpu()
    nan = {"loss": math.nan, **({"accuracy": math.nan} if loss == "cross_entropy" else {})}
    scores = [dict(nan) for _ in stack.models]
    for i, total, right in zip(stepped, totals, correct):
        scores[i]["loss"] = float(total) / len(x)
        if loss == "cross_entropy":
            scores[i]["accuracy"] = int(right) / len(x)
    return scores


def _score(scores: dict, monitor: str) -> float:
    return -scores["accuracy"] if monitor == "accuracy" else scores["loss"]


def _scheduler(optimizer, schedule: str, lr: float, total_steps: int):
    if schedule == "constant":
        return None
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=max(total_steps, 1))


_STATE_KEYS = ("epoch", "params", "optimizer", "scheduler", "order_rng", "torch_rng", "best_states", "best_scores",
               "results", "active", "seconds")


def _check_options(models, seeds, loss, monitor, optimizer, schedule, precision) -> None:
    _check_loss(loss)
    if monitor not in ("loss", "accuracy") or (monitor == "accuracy" and loss != "cross_entropy"):
        raise ValueError(f"monitor must be 'loss', or 'accuracy' with loss='cross_entropy'; got {monitor!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; use one of {OPTIMIZERS}")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; use one of {SCHEDULES}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; use one of {PRECISIONS}")
    if len(seeds) != len(models) or not models:
        raise ValueError(f"one seed per network: {len(models)} networks, {len(seeds)} seeds")


def fit_together(
    models: list[nn.Module],
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    *,
    seeds: list[int],
    loss: str,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    monitor: str = "loss",
    patience: int = 0,
    optimizer: str = "adam",
    schedule: str = "constant",
    precision: str = "fp32",
    checkpoint_every: int = 0,
    on_checkpoint: Callable[[dict], None] | None = None,
    resume: dict | None = None,
) -> list[TrainResult]:
    """Train several networks of one architecture at once; keep each one's best validation epoch.

    The data stay where they are (move them to the models' device first);
    batches are drawn by indexing, with no per-sample Python work. Network
    ``i`` draws its batch order from ``seeds[i]``, has its own optimiser
    moments (Adam and AdamW act element by element) and its own early stop,
    and ends holding its best weights. Frozen parameters
    (``requires_grad=False``) stay as they are.

    Parameters
    ----------
    models : list of nn.Module
        Networks of one architecture (initialised as each should start).
    train, val : (x, y) pairs of tensors on the models' device
    seeds : list of int
        One per network: the seed of its batch order.
    loss : {"mse", "cross_entropy"}
    epochs, batch_size : int
    lr, weight_decay : float
        Learning rate (the peak of ``one_cycle``) and weight decay (L2 for
        Adam, decoupled for AdamW).
    monitor : {"loss", "accuracy"}
        Keep the epoch of the lowest validation loss, or the first epoch of the
        highest validation accuracy (classification; as the authors' code).
    patience : int
        Stop a network after this many epochs without a better validation
        score (0: train all ``epochs``); its result is the same as that of a
        run of all epochs whenever its best epoch comes before the stop. The
        loop ends when every network has stopped. A stopped network that is
        called as itself (CNNs, see :func:`_stack`) is no longer computed;
        stacked networks are stepped to the end, so that the others keep
        their bytes.
    optimizer : {"adam", "adamw"}
    schedule : {"constant", "one_cycle"}
        See :data:`SCHEDULES`; ``one_cycle`` spans all ``epochs``.
    precision : {"fp32", "bf16"}
        ``bf16``: the training forward pass and loss run under
        :func:`torch.autocast` to bfloat16; weights, gradients, optimiser
        state and the validation passes stay float32.
    checkpoint_every : int
        Every this many epochs (0: never), call ``on_checkpoint(state)`` with
        the complete training state: parameters, optimiser and schedule, the
        random states of the batch orders and of torch, the best weights so
        far and the histories. Everything in it is a tensor or plain Python,
        so it loads with ``torch.load(..., weights_only=True)``.
    on_checkpoint : callable, optional
        Receives the state (a copy it may keep).
    resume : dict, optional
        A state passed to ``on_checkpoint`` by an earlier, interrupted call
        with the same arguments: training continues after its epoch and ends
        with exactly the weights and histories of an uninterrupted call (on
        the CPU, bit for bit).

    Returns
    -------
    list of TrainResult, one per network.

    Raises
    ------
    TrainingDiverged
        When the loss of an epoch is NaN or infinite; the message names the
        epoch and the seed.

    Examples
    --------
    >>> x = torch.randn(64, 3); y = x.sum(dim=1, keepdim=True)
    >>> def nets():
    ...     return [torch.manual_seed(s) and nn.Linear(3, 1) for s in (0, 1)]
    >>> kw = dict(loss="mse", epochs=4, batch_size=16, lr=0.01, weight_decay=0.0, seeds=[0, 1])
    >>> states = []
    >>> full = nets(); _ = fit_together(full, (x, y), (x, y), checkpoint_every=2, on_checkpoint=states.append, **kw)
    >>> [s["epoch"] for s in states]
    [2]
    >>> resumed = nets(); _ = fit_together(resumed, (x, y), (x, y), resume=states[0], **kw)
    >>> all(torch.equal(a.weight, b.weight) for a, b in zip(full, resumed))
    True
    """
    _check_options(models, seeds, loss, monitor, optimizer, schedule, precision)
    x_train, y_train = train
    n = len(x_train)
    stack = _stack(models)
    order_gens = [torch.Generator().manual_seed(seed) for seed in seeds]
    optimizer_class = torch.optim.AdamW if optimizer == "adamw" else torch.optim.Adam
    opt = optimizer_class(stack.trainable(), lr=lr, weight_decay=weight_decay)
    sched = _scheduler(opt, schedule, lr, epochs * math.ceil(n / batch_size))
    if resume is None:
        first, seconds = 1, 0.0
        best = _Best.start(stack, _evaluate_all(stack, *val, loss=loss), monitor)
    else:
        first, seconds, best = _restore(resume, stack, opt, sched, order_gens, epochs, monitor)
        log.info("resuming after epoch %d of %d", first - 1, epochs)
    autocast = torch.autocast(x_train.device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    start = time.perf_counter() - seconds
    for epoch in range(first, epochs + 1):
        epoch_start = time.perf_counter()
        orders = torch.stack([torch.randperm(n, generator=g) for g in order_gens]).to(x_train.device)
        stepped = stack.stepped(best.active)
        running = torch.zeros(len(stepped), device=x_train.device)
        for batch in orders.split(batch_size, dim=1):
            opt.zero_grad(set_to_none=True)
            with autocast:
                out = stack.forward(x_train[batch[stepped]], stepped)
                batch_losses = _losses(out.float(), y_train[batch[stepped]], loss)
            batch_losses.sum().backward()
            opt.step()
            if sched is not None:
                sched.step()
            running += batch_losses.detach() * batch.shape[1]
        train_losses = [math.nan] * len(models)  # a network no longer computed has none
        for i, value in zip(stepped, (running / n).tolist()):
            train_losses[i] = value
        scores = _evaluate_all(stack, *val, loss=loss, stepped=stepped)
        best.update(epoch, epochs, train_losses, scores, stack, seeds, patience)
        elapsed, epoch_seconds = time.perf_counter() - start, time.perf_counter() - epoch_start
        _log_epoch(epoch, epochs, train_losses, scores, best, len(stepped) * n, elapsed, epoch_seconds)
        if not any(best.active):
            break
        if checkpoint_every and on_checkpoint is not None and epoch % checkpoint_every == 0 and epoch < epochs:
            on_checkpoint(_state(epoch, stack, opt, sched, order_gens, best, elapsed))
    seconds = time.perf_counter() - start
    for model, result, state in zip(models, best.results, best.states):
        model.load_state_dict(state)
        result.seconds = seconds
    return best.results


@dataclass
class _Best:
    """Each network's best epoch so far, its weights and score, and whether it still trains."""

    results: list[TrainResult]
    states: list[dict]
    scores: list[float]
    active: list[bool]
    monitor: str

    @classmethod
    def start(cls, stack, initial: list[dict], monitor: str) -> "_Best":
        """The initial weights as the best so far (epoch 0)."""
        return cls(
            results=[TrainResult(best_epoch=0, best_val_loss=s["loss"]) for s in initial],
            states=[stack.state_of(i) for i in range(len(initial))],
            scores=[_score(s, monitor) for s in initial],
            active=[True] * len(initial),
            monitor=monitor,
        )

    def update(self, epoch, epochs, train_losses, scores, stack, seeds, patience) -> None:
        """Record an epoch of every network still training; keep better weights; stop the patient."""
        for i, result in enumerate(self.results):
            if not self.active[i]:
                continue
            if not math.isfinite(train_losses[i]):
                raise TrainingDiverged(
                    f"training loss became {train_losses[i]} at epoch {epoch} (seed {seeds[i]}); "
                    "lower the learning rate or check the data for NaN/inf"
                )
            val = {f"val_{k}": v for k, v in scores[i].items()}
            result.history.append({"epoch": epoch, "train_loss": train_losses[i], **val})
            if _score(scores[i], self.monitor) < self.scores[i]:
                self.scores[i] = _score(scores[i], self.monitor)
                result.best_epoch, result.best_val_loss = epoch, scores[i]["loss"]
                self.states[i] = stack.state_of(i)
            if patience and epoch - result.best_epoch >= patience and epoch < epochs:
                self.active[i], result.stopped_early = False, True
                log.info("seed %d: stopping early after epoch %d, no better validation score for %d epochs",
                         seeds[i], epoch, patience)


def _log_epoch(epoch, epochs, train_losses, scores, best, samples, elapsed, epoch_seconds) -> None:
    """One line per epoch: losses, best epochs, speed and the most time left (early stops shorten
    it). ``progress`` is the short form :func:`liegg.study.files.progress_to_terminal` prints."""
    left = _duration(elapsed / epoch * (epochs - epoch))
    training = sum(best.active)
    progress = f"epoch {epoch}/{epochs}, {training} of {len(best.active)} networks training, at most {left} left"
    log.info(
        "epoch %d/%d train_loss %s val_loss %s best_epoch %s (%.1f s/epoch, %.0f samples/s, at most %s left)",
        epoch, epochs, _brief(train_losses), _brief([s["loss"] for s in scores]), [r.best_epoch for r in best.results],
        epoch_seconds, samples / max(epoch_seconds, 1e-9), left,
        extra={"progress": progress, "last": epoch == epochs or not training},
    )  # fmt: skip


def _duration(seconds: float) -> str:
    """``"2m05s"``, ``"45s"``, ``"1h02m"``: a time left, to the second under an hour.

    >>> _duration(125), _duration(45.2), _duration(3725)
    ('2m05s', '45s', '1h02m')
    """
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _brief(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.5g}" for v in values) + "]"


def _state(epoch, stack, opt, sched, order_gens, best: _Best, seconds) -> dict:
    """Everything :func:`fit_together` needs to continue after ``epoch`` (a deep copy)."""
    return copy.deepcopy({
        "epoch": epoch,
        "params": stack.state(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict() if sched is not None else {},
        "order_rng": [g.get_state() for g in order_gens],
        "torch_rng": torch.get_rng_state(),
        "best_states": best.states,
        "best_scores": best.scores,
        "results": [{"best_epoch": r.best_epoch, "best_val_loss": r.best_val_loss, "history": r.history,
                     "stopped_early": r.stopped_early} for r in best.results],
        "active": best.active,
        "seconds": seconds,
    })  # fmt: skip


def _restore(state: dict, stack, opt, sched, order_gens, epochs: int, monitor: str):
    """Load a :func:`_state` dict; return the first epoch to train, the seconds so far and the bests."""
    missing = sorted(set(_STATE_KEYS) - set(state))
    if missing:
        raise ValueError(f"resume state lacks {missing}")
    if not 1 <= state["epoch"] < epochs:
        raise ValueError(f"resume state is after epoch {state['epoch']}, but training has {epochs} epochs")
    if len(state["order_rng"]) != len(order_gens):
        raise ValueError(f"resume state holds {len(state['order_rng'])} networks, not {len(order_gens)}")
    stack.load_state(state["params"])
    opt.load_state_dict(state["optimizer"])
    if sched is not None:
        sched.load_state_dict(state["scheduler"])
    for g, rng in zip(order_gens, state["order_rng"]):
        g.set_state(rng)
    torch.set_rng_state(state["torch_rng"])
    results = [TrainResult(r["best_epoch"], r["best_val_loss"], list(r["history"]), 0.0, r["stopped_early"])
               for r in state["results"]]  # fmt: skip
    best = _Best(results, copy.deepcopy(state["best_states"]), list(state["best_scores"]), list(state["active"]),
                 monitor)  # fmt: skip
    return state["epoch"] + 1, state["seconds"], best


def fit(model: nn.Module, train, val, *, seed: int, **kwargs) -> TrainResult:
    """Train one network: :func:`fit_together` of one (same arguments, one ``seed``).

    Examples
    --------
    >>> x = torch.randn(64, 3); y = x.sum(dim=1, keepdim=True)
    >>> model = nn.Linear(3, 1)
    >>> result = fit(model, (x, y), (x, y), loss="mse", epochs=30, batch_size=16, lr=0.05,
    ...              weight_decay=0.0, seed=0)
    >>> result.best_val_loss < 0.01, len(result.history)
    (True, 30)
    """
    return fit_together([model], train, val, seeds=[seed], **kwargs)[0]
