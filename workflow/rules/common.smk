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


# Rotation MNIST: the digits shipped in data/mnist and the four standard IDX
# files that source: download fetches (names as in liegg.mnist.STANDARD_FILES).
EMBEDDED_DIGITS = 10000
MNIST_DIGITS = "data/mnist/digits.npz"
MNIST_FILES = [
    f"resources/mnist/{name}"
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    )
]


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
        elif error.validator == "not" and error.schema == {"not": {}}:
            detail = "this key does not apply to this task or architecture; remove it"
        elif error.validator == "not" and error.schema == {"not": {"multipleOf": 2}}:
            detail = f"{error.instance} is even; kernel sizes must be odd"
        elif error.validator == "const":
            detail = f"{error.instance!r} is not allowed for this task; the only allowed value is {error.validator_value!r}"
        raise ConfigError(f"invalid config at '{_key_path(error)}': {detail}")
    for name, study in cfg["studies"].items():
        ds = study["dataset"]
        if ds["n_val"] + ds["n_test"] >= ds["n_samples"]:
            raise ConfigError(
                f"invalid config at 'studies.{name}.dataset': n_val + n_test "
                f"({ds['n_val'] + ds['n_test']}) must be smaller than n_samples ({ds['n_samples']})"
            )
        if ds.get("source") == "embedded" and ds["n_samples"] > EMBEDDED_DIGITS:
            raise ConfigError(
                f"invalid config at 'studies.{name}.dataset.n_samples': the embedded set has "
                f"{EMBEDDED_DIGITS} digits; use source: download for more"
            )


validate_config(config)


wildcard_constraints:
    study="[a-z][a-z0-9_]*",
    run="[a-z0-9]+(-[a-z0-9]+)*",
    dataset="[a-z0-9]+(-[a-z0-9]+)*",


def dataset_id(study):
    ds = config["studies"][study]["dataset"]
    task = config["studies"][study]["task"]
    base = f"{task}-n{ds['n_samples']}-v{ds['n_val']}-t{ds['n_test']}-s{ds['seed']}"
    if task == "rotmnist":
        blur = f"{ds['blur_sigma']:g}".replace(".", "p")
        base += f"-{'rot' if ds['rotate'] else 'upright'}-b{blur}"
        base += "" if ds["source"] == "embedded" else "-full"
    return base


def canonical(value):
    """Sort dict keys recursively: params must not change when only the key
    order of the config file does (params changes trigger reruns)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _model_grid(model):
    """(run id prefix, model spec) of every grid point; a CNN's width is its
    number of channels and its kernel size is part of the id."""
    kernels = model.get("kernel_size", [None])
    for depth, width, kernel in itertools.product(model["depth"], model["width"], kernels):
        spec = {"arch": model["arch"], "depth": depth, "width": width}
        prefix = f"{model['arch']}-d{depth}-w{width}"
        if kernel is not None:
            spec["kernel_size"] = kernel
            prefix += f"-k{kernel}"
        yield prefix, spec


def _build_runs():
    """Every (study, run id) with the full spec of that run."""
    runs = {}
    for study, cfg in config["studies"].items():
        for (prefix, model), seed in itertools.product(_model_grid(cfg["model"]), cfg["seeds"]):
            runs[(study, f"{prefix}-s{seed}")] = canonical(
                {
                    "task": cfg["task"],
                    "seed": seed,
                    "model": model,
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


def get_dataset_sources(wildcards):
    """Files a dataset is made from, as keyword arguments of the task's make_data."""
    spec = DATASETS[wildcards.dataset]
    if spec["task"] != "rotmnist":
        return {}
    if spec["source"] == "embedded":
        return {"digits": MNIST_DIGITS}
    return {"mnist_files": MNIST_FILES}


def get_dataset_code(wildcards):
    modules = ["datasets", "tasks", "io"]
    if DATASETS[wildcards.dataset]["task"] == "rotmnist":
        modules += ["images", "mnist"]
    return code(*modules)


def get_mnist_mirrors():
    """Base URLs for source: download (None: the defaults of liegg.mnist)."""
    return config.get("mnist_mirrors")


def _figure_order(study):
    """Rotated before upright, MLPs before CNNs, then by name: the figures do
    not change when only the key order of the config file does."""
    cfg = config["studies"][study]
    return (not cfg["dataset"]["rotate"], cfg["model"]["arch"] != "mlp", study)


ROTMNIST_STUDIES = sorted((s for s, c in config["studies"].items() if c["task"] == "rotmnist"), key=_figure_order)


def get_first_run_files(kind):
    """One file per rotation-MNIST study, from its first run (lowest id)."""
    return [f"results/runs/{s}/{get_study_runs(s)[0]}/{kind}" for s in ROTMNIST_STUDIES]


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
        if study not in ROTMNIST_STUDIES:  # those share the figures below
            targets += [f"figures/{study}_spectrum.pdf", f"figures/{study}_spectrum.png"]
    if ROTMNIST_STUDIES:
        targets += [f"figures/rotmnist_{name}.{ext}" for name in ("spectra", "generators") for ext in ("pdf", "png")]
    return targets
