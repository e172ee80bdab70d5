"""Which device a job computes on, and in which precision it trains."""

from __future__ import annotations

import torch

from .columns import CONVOLUTIONAL_ARCHS

__all__ = ["resolve_device", "bf16_support", "pays_in_bf16", "resolve_precision", "BF16_MIN_CHANNELS",
           "BF16_MIN_WEIGHTS"]

# Where `precision: auto` picks bfloat16, measured with benchmarks/precision.py (one thread, a CPU
# with AVX512-BF16; docs/reproducing.md): smaller products gain less than casting costs.
#: CNNs of at least this many channels (fp32/bf16 step time, 8 channels: 0.90-0.97, 16: 1.06-1.20,
#: 32: 1.26-1.81).
BF16_MIN_CHANNELS = 16
#: MLPs whose largest weight matrix has at least this many entries (digits, 784 x 128: 1.37-1.67;
#: 784 x 32: 0.89-1.52, marginal; O(5), 10 x 32 and 32 x 32: 0.81-1.15).
BF16_MIN_WEIGHTS = 8192


def resolve_device(name: str) -> torch.device:
    """``"auto"`` gives CUDA when available, else the CPU.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but torch sees no CUDA device; use 'auto' or 'cpu'")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {name!r}; use 'auto', 'cpu' or 'cuda'")
    return torch.device(name)


def bf16_support(device: torch.device) -> str:
    """``"native"`` where the device computes in bfloat16 (a CPU with AVX512-BF16 or AMX, a
    CUDA device of compute capability 8 or more), else ``"emulated"`` (correct, but slow)."""
    if device.type == "cuda":
        return "native" if torch.cuda.is_bf16_supported(including_emulation=False) else "emulated"
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    native = any(getattr(torch.cpu, check, lambda: False)() for check in checks)
    return "native" if native else "emulated"


def pays_in_bf16(model: dict, in_features: int) -> bool:
    """Whether bfloat16 training steps of a network are faster (:data:`BF16_MIN_CHANNELS`,
    :data:`BF16_MIN_WEIGHTS`).

    Examples
    --------
    >>> pays_in_bf16({"arch": "cnn", "depth": 3, "width": 32}, 784), pays_in_bf16({"arch": "cnn", "width": 8}, 784)
    (True, False)
    >>> pays_in_bf16({"arch": "mlp", "depth": 2, "width": 32}, 784), pays_in_bf16({"arch": "mlp", "width": 32}, 10)
    (True, False)
    """
    width = int(model["width"])
    if model["arch"] in CONVOLUTIONAL_ARCHS:
        return width >= BF16_MIN_CHANNELS
    largest = max(in_features, width) * width if int(model.get("depth", 1)) > 1 else in_features * width
    return largest >= BF16_MIN_WEIGHTS


def resolve_precision(requested: str, device: torch.device, model: dict, in_features: int) -> str:
    """The precision a network trains in: ``fp32`` and ``bf16`` as asked; ``auto`` gives ``bf16``
    where the device runs it natively and it pays for the network (:func:`pays_in_bf16`), else ``fp32``.

    Examples
    --------
    >>> resolve_precision("fp32", torch.device("cpu"), {"arch": "cnn", "depth": 3, "width": 32}, 784)
    'fp32'
    """
    if requested not in ("fp32", "bf16", "auto"):
        raise ValueError(f"unknown precision {requested!r}; use 'fp32', 'bf16' or 'auto'")
    if requested != "auto":
        return requested
    return "bf16" if bf16_support(device) == "native" and pays_in_bf16(model, in_features) else "fp32"
