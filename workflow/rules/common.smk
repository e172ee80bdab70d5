# Config validation, wildcard constraints and the get_* helpers. No rules here.

import itertools
import os
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(workflow.basedir)
LIB = "src/liegg"

# Jobs import the library from this checkout, also in conda envs and on cluster nodes.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
)


class ConfigError(Exception):
    pass


def _key_path(error):
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "(top level)"


def validate_config(cfg):
    """Stop before any job runs, with one message naming the key and what is allowed."""
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(cfg))
    if error is not None:
        detail = error.message
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            detail += f" (allowed keys: {', '.join(allowed)})"
        raise ConfigError(f"invalid config at '{_key_path(error)}': {detail}")
    for name, study in cfg["studies"].items():
        ds = study["dataset"]
        if ds["n_val"] + ds["n_test"] >= ds["n_samples"]:
            raise ConfigError(
                f"invalid config at 'studies.{name}.dataset': n_val + n_test "
                f"({ds['n_val'] + ds['n_test']}) must be smaller than n_samples ({ds['n_samples']})"
            )


validate_config(config)


wildcard_constraints:
    study="[a-z][a-z0-9_]*",
    run="[a-z0-9]+(-[a-z0-9]+)*",
    dataset="[a-z0-9]+(-[a-z0-9]+)*",


def dataset_id(study):
    ds = config["studies"][study]["dataset"]
    task = config["studies"][study]["task"]
    return f"{task}-n{ds['n_samples']}-v{ds['n_val']}-t{ds['n_test']}-s{ds['seed']}"


def canonical(value):
    """Sort dict keys recursively: params must not change when only the key
    order of the config file does (params changes trigger reruns)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _build_runs():
    """Every (study, run id) with the full spec of that run."""
    runs = {}
    for study, cfg in config["studies"].items():
        model = cfg["model"]
        for depth, width, seed in itertools.product(model["depth"], model["width"], cfg["seeds"]):
            run = f"{model['arch']}-d{depth}-w{width}-s{seed}"
            runs[(study, run)] = canonical(
                {
                    "task": cfg["task"],
                    "seed": seed,
                    "model": {"arch": model["arch"], "depth": depth, "width": width},
                    "training": cfg["training"],
                    "liegg": cfg["liegg"],
                }
            )
    return runs


RUNS = _build_runs()
DATASETS = {
    dataset_id(s): canonical({"task": c["task"], **c["dataset"]}) for s, c in config["studies"].items()
}


def code(*modules):
    """Library modules a rule depends on: an edit reruns exactly their jobs."""
    return [f"{LIB}/{m}.py" for m in modules]


def get_run_spec(wildcards):
    return RUNS[(wildcards.study, wildcards.run)]


def get_training_spec(wildcards):
    """What training depends on (not the LieGG settings)."""
    spec = dict(RUNS[(wildcards.study, wildcards.run)])
    spec.pop("liegg")
    # How often training saves a resume state does not change its result.
    spec["training"] = {k: v for k, v in spec["training"].items() if k != "checkpoint_every"}
    return spec


def get_liegg_settings(wildcards):
    return RUNS[(wildcards.study, wildcards.run)]["liegg"]


def get_dataset(wildcards):
    return f"results/data/{dataset_id(wildcards.study)}.npz"


def get_dataset_spec(wildcards):
    return DATASETS[wildcards.dataset]


def get_study_runs(study):
    return sorted(run for s, run in RUNS if s == study)


def get_study_files(kind):
    def files(wildcards):
        return [f"results/runs/{wildcards.study}/{run}/{kind}" for run in get_study_runs(wildcards.study)]

    return files


def get_final_output():
    targets = []
    for study in config["studies"]:
        targets += [f"results/tables/{study}/runs.csv", f"results/tables/{study}/spectra.csv"]
        targets += [f"figures/{study}_spectrum.pdf", f"figures/{study}_spectrum.png"]
    return targets
