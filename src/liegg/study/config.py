"""Validation of the workflow's config: one message that names the bad key and the fix.

The workflow calls :func:`validate_config` when it is parsed, before any job
runs; the tests call it directly.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jsonschema
import yaml

__all__ = ["ConfigError", "validate_config", "EMBEDDED_DIGITS", "AUTOMATIC_FIGURES"]

#: Digits shipped in data/mnist/digits.npz.
EMBEDDED_DIGITS = 10000


class ConfigError(Exception):
    """A config the workflow cannot run; the message names the key and the fix."""


def _columns_module():
    """columns.py beside this file, loaded as a file: the workflow loads this module the same
    way, outside the package, so that parsing the config does not import torch."""
    spec = importlib.util.spec_from_file_location("liegg_columns", Path(__file__).with_name("columns.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key_path(error):
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "(top level)"


def validate_config(cfg: dict, schema_path) -> None:
    """Raise :class:`ConfigError` naming the first bad key of ``cfg`` and what is allowed.

    Checks the JSON schema (``workflow/schemas/config.schema.yaml``), then what
    a schema cannot express: splits that fit the data, exactly one of
    ``epochs`` and ``sample_budget``, and figures and claims that name studies
    of this config.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(cfg))
    if error is not None:
        detail = error.message
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            detail += f" (allowed keys: {', '.join(allowed)})"
        elif error.validator == "not" and error.schema == {"not": {}}:
            detail = "this key does not apply to this task or architecture; remove it"
        elif error.validator == "not" and error.schema == {"not": {"multipleOf": 2}}:
            detail = f"{error.instance} is even; kernel sizes must be odd"
        elif error.validator == "const" and list(error.absolute_path)[-1:] == ["normalize"] and error.instance is True:
            detail = (
                "normalize: true is for the logits of a classifier; this task is a regression with one "
                "output, and y/|y| = +-1 makes every row of E zero (every generator would look like a "
                "symmetry): set it to false"
            )
        elif error.validator == "const":
            detail = (
                f"{error.instance!r} is not allowed for this task or architecture; "
                f"the only allowed value is {error.validator_value!r}"
            )
        raise ConfigError(f"invalid config at '{_key_path(error)}': {detail}")
    for name, study in cfg["studies"].items():
        ds = study["dataset"]
        if ds["n_val"] + ds["n_test"] >= ds["n_samples"]:
            raise ConfigError(
                f"invalid config at 'studies.{name}.dataset': n_val + n_test "
                f"({ds['n_val'] + ds['n_test']}) must be smaller than n_samples ({ds['n_samples']})"
            )
        if "scale" in ds and ds["scale"][0] > ds["scale"][1]:
            raise ConfigError(
                f"invalid config at 'studies.{name}.dataset.scale': the range [low, high] has low "
                f"{ds['scale'][0]} above high {ds['scale'][1]}; swap them"
            )
        if ds.get("source") == "embedded" and ds["n_samples"] > EMBEDDED_DIGITS:
            raise ConfigError(
                f"invalid config at 'studies.{name}.dataset.n_samples': the embedded set has "
                f"{EMBEDDED_DIGITS} digits; use source: download for more"
            )
        if ("epochs" in study["training"]) == ("sample_budget" in study["training"]):
            raise ConfigError(
                f"invalid config at 'studies.{name}.training': give exactly one of epochs and sample_budget"
            )
        available = ds["n_samples"] - ds["n_val"] - ds["n_test"]
        if max(study["training"].get("n_train", [0])) > available:
            raise ConfigError(
                f"invalid config at 'studies.{name}.training.n_train': {max(study['training']['n_train'])} "
                f"training samples asked for, the dataset's training split has {available}; "
                "raise dataset.n_samples or lower n_train"
            )
    _validate_figures_and_claims(cfg)


# Figure names the workflow gives itself (per-study spectra, the rotation-MNIST pair).
AUTOMATIC_FIGURES = ("rotmnist_spectra", "rotmnist_generators", "catalogue")


def _validate_figures_and_claims(cfg):
    """What the schema cannot see: names that must refer to studies of this config."""
    studies = cfg["studies"]
    for name, figure in cfg.get("figures", {}).items():
        if name in AUTOMATIC_FIGURES or name.endswith("_spectrum"):
            raise ConfigError(
                f"invalid config at 'figures.{name}': the name is taken by a figure the workflow draws itself; "
                "rename it"
            )
        where = f"invalid config at 'figures.{name}.studies'"
        for study in figure["studies"]:
            if study not in studies:
                raise ConfigError(f"{where}: no study {study!r} (studies: {', '.join(studies)})")
            if figure["kind"] == "controls" and studies[study]["task"] != "rotmnist":
                raise ConfigError(
                    f"{where}: study {study!r} is not of digits (task rotmnist); a controls figure shows digits"
                )
            if figure["kind"] == "controls" and "translate" in studies[study]["dataset"]:
                raise ConfigError(
                    f"{where}: study {study!r} has shifted digits (affine generators); "
                    "the controls figure draws 2 x 2 ones: list it in catalogue instead"
                )
            if figure["kind"] == "layers" and not studies[study]["liegg"].get("layers"):
                raise ConfigError(f"{where}: study {study!r} has no per-layer LieGG; set its liegg.layers: true")
    for study in cfg.get("catalogue", []):
        if study not in studies:
            raise ConfigError(f"invalid config at 'catalogue': no study {study!r} (studies: {', '.join(studies)})")
    columns = _columns_module()
    seen = set()
    for i, claim in enumerate(cfg.get("claims", [])):
        if claim["id"] in seen:
            raise ConfigError(f"invalid config at 'claims[{i}].id': {claim['id']!r} is used twice; rename one")
        seen.add(claim["id"])
        for study in claim["studies"]:
            if study not in studies:
                raise ConfigError(
                    f"invalid config at 'claims[{i}].studies': no study {study!r} (studies: {', '.join(studies)})"
                )
            if claim.get("table") == "layers" and not studies[study]["liegg"].get("layers"):
                raise ConfigError(
                    f"invalid config at 'claims[{i}].studies': study {study!r} has no per-layer LieGG; "
                    "set its liegg.layers: true"
                )
            table = claim.get("table", "runs")
            known = columns.table_columns(studies[study], table)
            for column in columns.claim_columns(claim):
                if column not in known:
                    raise ConfigError(
                        f"invalid config at 'claims[{i}]' ({claim['id']}): study {study!r} has no column "
                        f"{column!r} in its {table} table; fix the claim's measure, against, within or "
                        f"candidates (columns: {', '.join(known)})"
                    )
