"""LieGG: extract and evaluate the Lie group generators a network has learned.

The public API, re-exported from modules that each do one job.
"""

from .actions import VectorAction
from .datasets import make_o5, o5_target, vector_scales
from .extraction import DegenerateSpectrum
from .groups import algebra_basis, project_onto_algebra, so_basis
from .layers import LayerOutput, hidden_layer_count, layer_outputs
from .metrics import generator_similarity, symmetry_bias
from .models import MLP, Standardized, Swish, build_model, count_parameters
from .polarization import polarization_gram, polarization_matrix
from .spectrum import Spectrum, count_invariant, spectrum, spectrum_from_gram
from .training import TrainingDiverged, TrainResult, evaluate, fit, resolve_device, seed_everything
from .actions import ImageAction
from .datasets import make_rotated_digits
from .groups import expm
from .images import gaussian_blur, pixel_coordinates, rotate_images, transform_images
from .models import CNN
from .aggregate import SeedBand, seed_bands, study_measures

__version__ = "0.1.0"

__all__ = [
    "VectorAction",
    "make_o5",
    "o5_target",
    "vector_scales",
    "DegenerateSpectrum",
    "algebra_basis",
    "project_onto_algebra",
    "so_basis",
    "LayerOutput",
    "hidden_layer_count",
    "layer_outputs",
    "generator_similarity",
    "symmetry_bias",
    "MLP",
    "Standardized",
    "Swish",
    "build_model",
    "count_parameters",
    "polarization_gram",
    "polarization_matrix",
    "Spectrum",
    "count_invariant",
    "spectrum",
    "spectrum_from_gram",
    "TrainingDiverged",
    "TrainResult",
    "evaluate",
    "fit",
    "resolve_device",
    "seed_everything",
    "ImageAction",
    "make_rotated_digits",
    "expm",
    "gaussian_blur",
    "pixel_coordinates",
    "rotate_images",
    "transform_images",
    "CNN",
    "SeedBand",
    "seed_bands",
    "study_measures",
]
