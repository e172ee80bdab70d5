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
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.ModuleList([nn.Linear(4, 8), nn.Linear(8, 8)])
    ...     def features(self, x, layer):
    ...         for linear in self.hidden[:layer]:
    ...             x = torch.tanh(linear(x))
    ...         return x
    >>> layer_outputs(Net(), 2)(torch.zeros(5, 4)).shape
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

    The model, or the network it wraps as ``model.net``, says so with an
    ``n_hidden`` attribute (as :class:`liegg.study.models.MLP` does).

    Examples
    --------
    >>> net = nn.Linear(2, 2); net.n_hidden = 3
    >>> hidden_layer_count(net)
    3
    """
    inner = getattr(model, "net", None)
    for candidate in (model, inner):
        if candidate is not None and hasattr(candidate, "n_hidden"):
            return int(candidate.n_hidden)
    raise TypeError(f"{type(model).__name__} does not say how many hidden layers it has")
