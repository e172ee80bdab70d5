"""Networks with no symmetry built in, and the wrapper that standardises data."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Swish", "MLP", "Standardized", "build_model", "count_parameters"]


class Swish(nn.Module):
    """``x * sigmoid(x)``."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class MLP(nn.Module):
    """Bias-free MLP: ``depth`` hidden layers of ``width`` units, Swish after each.

    Linear layers carry no bias so that a linear change of the input acts on
    the first layer alone.

    Parameters
    ----------
    in_features, out_features : int
    width : int
        Units per hidden layer.
    depth : int
        Number of hidden layers (each followed by Swish).

    Examples
    --------
    >>> MLP(10, 1, width=32, depth=2)(torch.zeros(3, 10)).shape
    torch.Size([3, 1])
    >>> count_parameters(MLP(10, 1, width=32, depth=2))
    1376
    """

    def __init__(self, in_features: int, out_features: int, width: int, depth: int):
        super().__init__()
        sizes = [in_features] + [width] * depth
        layers = []
        for n_in, n_out in zip(sizes, sizes[1:]):
            layers += [nn.Linear(n_in, n_out, bias=False), Swish()]
        layers.append(nn.Linear(sizes[-1], out_features, bias=False))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], -1))

    @property
    def n_hidden(self) -> int:
        """Number of hidden layers."""
        return (len(self.net) - 1) // 2

    def features(self, x, layer: int):
        """Activations of hidden layer ``layer`` (1-based), shape ``(N, width)``."""
        if not 1 <= layer <= self.n_hidden:
            raise ValueError(f"layer must be in 1..{self.n_hidden}, got {layer}")
        return self.net[: 2 * layer](x.reshape(x.shape[0], -1))


class Standardized(nn.Module):
    """Standardise inputs, call ``net``, undo the target standardisation.

    ``y = net((x - x_shift) / x_scale) * y_scale + y_shift``. The statistics are
    buffers, saved with the weights. For O(5) data ``x_shift = 0`` and
    ``x_scale`` holds one value per vector, which keeps the symmetry.

    Parameters
    ----------
    net : nn.Module
    x_shift, x_scale : Tensor broadcastable to one sample's shape
    y_shift, y_scale : Tensor broadcastable to one output, or None for identity
    """

    def __init__(self, net, x_shift, x_scale, y_shift=None, y_scale=None):
        super().__init__()
        self.net = net
        self.register_buffer("x_shift", torch.as_tensor(x_shift, dtype=torch.float32))
        self.register_buffer("x_scale", torch.as_tensor(x_scale, dtype=torch.float32))
        self.register_buffer("y_shift", torch.as_tensor(0.0 if y_shift is None else y_shift, dtype=torch.float32))
        self.register_buffer("y_scale", torch.as_tensor(1.0 if y_scale is None else y_scale, dtype=torch.float32))

    def forward(self, x):
        return self.net(self.standardize(x)) * self.y_scale + self.y_shift

    def standardize(self, x):
        """The input as the wrapped network sees it."""
        return (x - self.x_shift) / self.x_scale

    def features(self, x, layer: int):
        """Activations of hidden layer ``layer`` of the wrapped network."""
        return self.net.features(self.standardize(x), layer)


def build_model(spec: dict, in_features: int, out_features: int) -> nn.Module:
    """Build the bare network named by ``spec["arch"]``.

    Parameters
    ----------
    spec : dict
        ``{"arch": "mlp", "depth": int, "width": int}``.
    in_features, out_features : int

    Examples
    --------
    >>> build_model({"arch": "mlp", "depth": 1, "width": 4}, 2, 1)
    MLP(
      (net): Sequential(
        (0): Linear(in_features=2, out_features=4, bias=False)
        (1): Swish()
        (2): Linear(in_features=4, out_features=1, bias=False)
      )
    )
    """
    arch = spec.get("arch")
    if arch == "mlp":
        return MLP(in_features, out_features, width=int(spec["width"]), depth=int(spec["depth"]))
    raise ValueError(f"unknown architecture {arch!r}; known: 'mlp'")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
