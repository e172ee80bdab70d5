"""Training regimes beyond end to end: autoencoder pre-training, greedy layer-wise.

Both reuse :func:`liegg.fit` on small wrapper modules. They work on a
:class:`liegg.Standardized` model wrapping an :class:`liegg.MLP`.
"""

from __future__ import annotations

from torch import nn

from .models import Swish
from .training import TrainResult, fit

__all__ = ["pretrain_autoencoder", "train_layerwise"]


class _Autoencoder(nn.Module):
    """Encoder = the model's hidden layers; decoder = a bias-free mirror MLP."""

    def __init__(self, model: nn.Module):
        super().__init__()
        mlp = model.net
        width = mlp.net[0].out_features
        in_features = mlp.net[0].in_features
        layers = []
        for _ in range(mlp.n_hidden - 1):
            layers += [nn.Linear(width, width, bias=False), Swish()]
        layers.append(nn.Linear(width, in_features, bias=False))
        self.model, self.decoder = model, nn.Sequential(*layers)

    def forward(self, x):
        return self.decoder(self.model.features(x, self.model.net.n_hidden))


def pretrain_autoencoder(model: nn.Module, x_train, x_val, **fit_kwargs) -> TrainResult:
    """Unsupervised pre-training: reconstruct the (standardised) input, no labels.

    The model's hidden layers are trained as the encoder of an autoencoder
    whose decoder is thrown away afterwards; fine-tune with :func:`liegg.fit`.

    Parameters
    ----------
    model : Standardized
        Wrapping an MLP.
    x_train, x_val : Tensor of shape ``(N, ...)``
    **fit_kwargs
        ``epochs, batch_size, lr, weight_decay, seed`` for :func:`liegg.fit`.

    Returns
    -------
    TrainResult of the reconstruction training.
    """
    autoencoder = _Autoencoder(model).to(x_train.device)
    targets = [model.standardize(x).reshape(len(x), -1).detach() for x in (x_train, x_val)]
    return fit(autoencoder, (x_train, targets[0]), (x_val, targets[1]), loss="mse", **fit_kwargs)


class _Stage(nn.Module):
    """The model up to hidden layer ``layer``, then a fresh linear head."""

    def __init__(self, model: nn.Module, layer: int, head: nn.Linear):
        super().__init__()
        self.model, self.layer, self.head = model, layer, head

    def forward(self, x):
        return self.head(self.model.features(x, self.layer))


def train_layerwise(model: nn.Module, train, val, *, loss: str, **fit_kwargs) -> list[TrainResult]:
    """Greedy layer-wise supervised training.

    Layer ``l`` is trained with a fresh linear head while layers ``1..l-1``
    are frozen; the head of the last stage becomes the model's output layer.

    Parameters
    ----------
    model : Standardized
        Wrapping an MLP; trained in place.
    train, val : (x, y) pairs of tensors
    loss : {"mse", "cross_entropy"}
    **fit_kwargs
        ``epochs`` (per layer), ``batch_size, lr, weight_decay, seed``.

    Returns
    -------
    list of TrainResult, one per layer.
    """
    layers = model.net.net
    output = layers[-1]
    results = []
    try:
        for layer in range(1, model.net.n_hidden + 1):
            for i, module in enumerate(layers):
                module.requires_grad_(i == 2 * (layer - 1))
            head = nn.Linear(output.in_features, output.out_features, bias=False).to(output.weight.device)
            results.append(fit(_Stage(model, layer, head), train, val, loss=loss, **fit_kwargs))
        output.weight.data.copy_(head.weight.data)
    finally:
        model.requires_grad_(True)
    return results
