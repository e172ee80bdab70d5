"""LieGG on the intermediate layers of a trained run."""

from __future__ import annotations

import torch

from ..layers import hidden_layer_count, layer_outputs
from .extraction import analyze_run, summarize
from .splits import liegg_samples

__all__ = ["extract_layers"]


def extract_layers(
    model: torch.nn.Module, data: dict, spec: dict, device: torch.device | str = "cpu"
) -> list[dict]:
    """LieGG summary of the map from the input to every hidden layer.

    The layer's activations are L2-normalised per sample (whatever
    ``spec["liegg"]["normalize"]`` says), so that a rescaling of a layer does
    not count. Returns one :func:`summarize` dict per layer, with ``layer``
    (1-based) added.
    """
    device = torch.device(device)
    x = liegg_samples(data, spec).to(device=device, dtype=torch.float32)
    model = model.to(device)
    spec = {**spec, "liegg": {**spec["liegg"], "normalize": True}}
    return [
        {"layer": layer, **summarize(analyze_run(layer_outputs(model, layer), x, spec), spec)}
        for layer in range(1, hidden_layer_count(model) + 1)
    ]
