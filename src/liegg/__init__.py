"""LieGG: extract and evaluate the Lie group generators a network has learned.

The method alone, on torch and numpy: group actions on inputs, the
polarization matrix, its spectrum, symmetry metrics and Lie-algebra helpers.
``liegg.analyze`` asks a model of one's own what it learned. The workflow's
study machinery (datasets, training, files, tables, claims, plots) lives in
:mod:`liegg.study` and is not imported here.

Names load on first use (PEP 562), so that ``import liegg.study.files`` in a
job that never touches a tensor does not import torch.
"""

import importlib

__version__ = "0.2.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "Action": "actions",
    "VectorAction": "actions",
    "ImageAction": "actions",
    "AffineImageAction": "actions",
    "generator_basis": "actions",
    "Analysis": "analysis",
    "DegenerateSpectrum": "analysis",
    "analyze": "analysis",
    "algebra_basis": "groups",
    "expm": "groups",
    "project_onto_algebra": "groups",
    "scale_basis": "groups",
    "sl_basis": "groups",
    "so_basis": "groups",
    "so_pq_basis": "groups",
    "gaussian_blur": "images",
    "pixel_coordinates": "images",
    "rotate_images": "images",
    "transform_images": "images",
    "FiniteCheck": "finite",
    "finite_accuracy": "finite",
    "finite_check": "finite",
    "finite_variance": "finite",
    "LayerOutput": "layers",
    "hidden_layer_count": "layers",
    "layer_outputs": "layers",
    "closure_defect": "metrics",
    "generator_similarity": "metrics",
    "principal_angles": "metrics",
    "subspace_bias": "metrics",
    "symmetry_bias": "metrics",
    "polarization_gram": "polarization",
    "polarization_matrix": "polarization",
    "Spectrum": "spectral",
    "count_invariant": "spectral",
    "spectrum": "spectral",
    "spectrum_from_gram": "spectral",
    "rescale_spectrum": "spectral",
    "variance_along": "spectral",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'liegg' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
