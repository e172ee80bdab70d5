"""LieGG on intermediate layers: the map from the input to a hidden layer."""

from __future__ import annotations

from torch import nn

__all__ = ["LayerOutput", "layer_outputs", "hidden_layer_count"]


class LayerOutput(nn.Module):
    """The map from a model's input to the activations of one hidden layer.

    Pass it to :func:`liegg.polarization_matrix` (with ``normalize=True``) to
    read the symmetries of that layer.

    Parameters
    ----------
    model : nn.Module
        A model with a ``features(x, layer)`` method (``MLP``, ``Standardized``).
    layer : int
        Hidden layer, 1-based.

    Examples
    --------
    >>> import torch
    >>> from liegg import MLP
    >>> layer_outputs(MLP(4, 2, width=8, depth=3), 2)(torch.zeros(5, 4)).shape
    torch.Size([5, 8])
    """

    def __init__(self, model: nn.Module, layer: int):
        super().__init__()
        if not hasattr(model, "features"):
            raise TypeError(f"{type(model).__name__} has no features(x, layer) method")
        self.model, self.layer = model, layer

    def forward(self, x):
        out = self.model.features(x, self.layer)
        return out.reshape(out.shape[0], -1)


def layer_outputs(model: nn.Module, layer: int) -> LayerOutput:
    """Model from the input to hidden layer ``layer`` (1-based); see :class:`LayerOutput`."""
    return LayerOutput(model, layer)


def hidden_layer_count(model: nn.Module) -> int:
    """Number of hidden layers of a model (or of the network it wraps).

    Examples
    --------
    >>> from liegg import MLP
    >>> hidden_layer_count(MLP(4, 2, width=8, depth=3))
    3
    """
    inner = getattr(model, "net", None)
    for candidate in (model, inner):
        if candidate is not None and hasattr(candidate, "n_hidden"):
            return int(candidate.n_hidden)
    raise TypeError(f"{type(model).__name__} does not say how many hidden layers it has")
