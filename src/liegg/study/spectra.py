"""A run's LieGG spectrum in an ``.npz`` file (see :mod:`liegg.study.arrays`)."""

from __future__ import annotations

import numpy as np

from .arrays import load_arrays, save_arrays

__all__ = ["SPECTRUM_ARRAYS", "save_spectrum", "load_spectrum", "load_spectrum_arrays"]

#: Arrays every spectrum file holds (``biases`` and others are extra).
SPECTRUM_ARRAYS = ("singular_values", "variances", "generators", "rows")


def save_spectrum(path, spec, extra: dict | None = None, meta: dict | None = None) -> None:
    """Write a :class:`liegg.Spectrum` (plus extra per-generator arrays) to ``.npz``."""
    arrays = {
        "singular_values": spec.singular_values,
        "variances": spec.variances,
        "generators": spec.generators,
        "rows": np.array(spec.rows),
        **(extra or {}),
    }
    save_arrays(path, arrays, meta)


def load_spectrum_arrays(path, expect: dict | None = None) -> tuple[dict, dict]:
    """A spectrum file's arrays (numpy) and its meta dict, checked."""
    return load_arrays(path, required=SPECTRUM_ARRAYS, expect=expect)


def load_spectrum(path, expect: dict | None = None):
    """Read a spectrum file: the :class:`liegg.Spectrum`, all arrays, and the meta dict."""
    import torch

    from ..spectral import Spectrum

    arrays, meta = load_spectrum_arrays(path, expect=expect)
    spec = Spectrum(
        singular_values=torch.from_numpy(arrays["singular_values"]),
        variances=torch.from_numpy(arrays["variances"]),
        generators=torch.from_numpy(arrays["generators"]),
        rows=int(arrays["rows"]),
    )
    return spec, arrays, meta
