"""Argument checks shared by the public functions: one clear error per bad input."""

from __future__ import annotations

import torch


def check_tensor(value, name: str, ndim: int | None = None, min_ndim: int | None = None) -> torch.Tensor:
    """``value`` unchanged if it is a finite floating-point tensor of the right rank.

    Raises TypeError for a non-tensor or a non-floating dtype (an integer image
    has no derivatives), ValueError for a wrong rank, an empty tensor or NaN/inf.
    """
    if not torch.is_tensor(value):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}; wrap it with torch.as_tensor")
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor (float32 or float64), got {value.dtype}; "
            f"convert it with {name}.float() (integer inputs have no derivatives)"
        )
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(value.shape)}")
    if min_ndim is not None and value.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions (samples first), got shape {tuple(value.shape)}"
        )
    if value.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(value.shape)})")
    bad = int((~torch.isfinite(value)).sum())
    if bad:
        raise ValueError(f"{name} holds {bad} NaN or infinite values; remove or replace them first")
    return value
