"""Evaluating a caller's model without changing its train/eval modes."""

from __future__ import annotations

import contextlib

import torch


@contextlib.contextmanager
def eval_mode(model):
    """Put an nn.Module in eval mode for the duration, then give every
    submodule back its own mode (a caller's frozen, eval-mode part stays so;
    ``model.train()`` afterwards would switch it to training mode).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())
    >>> _ = net[1].eval()
    >>> with eval_mode(net):
    ...     net.training
    False
    >>> net.training, net[0].training, net[1].training
    (True, True, False)
    """
    if not isinstance(model, torch.nn.Module):
        yield
        return
    modules = list(model.modules())
    modes = [m.training for m in modules]
    model.eval()
    try:
        yield
    finally:
        for m, mode in zip(modules, modes):
            m.training = mode
