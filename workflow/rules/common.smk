# Config validation, wildcard constraints and the get_* helpers. No rules here.

import importlib.util
import itertools
import os
from pathlib import Path

ROOT = Path(workflow.basedir)

# Jobs import the library from this checkout, also in conda envs and on cluster nodes.
# (Set, not read: the variable need not exist, so there is nothing for `envvars:` to assert.)
os.environ.update(PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p))


# Rotation MNIST: the digits shipped in data/mnist and the four standard IDX
# files that source: download fetches (names as in liegg.study.mnist.STANDARD_FILES).
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


def _load_validator():
    """liegg/study/config.py of this checkout, loaded as a file: importing it as
    part of the package would import torch (a second) whenever Snakemake parses."""
    spec = importlib.util.spec_from_file_location("liegg_config", ROOT / "src/liegg/study/config.py")
    validator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validator)
    return validator


_load_validator().validate_config(config, ROOT / "workflow/schemas/config.schema.yaml")


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


def _training_grid(training):
    """(run id suffix, training settings) of every training grid point: the
    lists n_train (training-set sizes) and regime make a grid; the run id names
    only what a study lists."""
    sizes, regimes = training.get("n_train", [None]), training.get("regime", [None])
    for n_train, regime in itertools.product(sizes, regimes):
        settings = {k: v for k, v in training.items() if k not in ("n_train", "regime")}
        suffix = ""
        if n_train is not None:
            settings["n_train"], suffix = n_train, f"{suffix}-n{n_train}"
        if regime is not None:
            settings["regime"], suffix = regime, f"{suffix}-{regime.replace('_', '')}"
        yield suffix, settings


def _build_runs():
    """Every (study, run id) with the full spec of that run."""
    runs = {}
    for study, cfg in config["studies"].items():
        grid = itertools.product(_model_grid(cfg["model"]), _training_grid(cfg["training"]), cfg["seeds"])
        for (prefix, model), (suffix, training), seed in grid:
            runs[(study, f"{prefix}{suffix}-s{seed}")] = canonical(
                {
                    "task": cfg["task"],
                    "seed": seed,
                    "model": model,
                    "training": training,
                    "liegg": cfg["liegg"],
                }
            )
    return runs


RUNS = _build_runs()
DATASETS = {
    dataset_id(s): canonical({"task": c["task"], **c["dataset"]}) for s, c in config["studies"].items()
}


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
    # Whether layers are also extracted does not change the network's spectrum.
    return {k: v for k, v in RUNS[(wildcards.study, wildcards.run)]["liegg"].items() if k != "layers"}


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


def get_mnist_mirrors():
    """Base URLs for source: download (None: the defaults of liegg.mnist)."""
    return config.get("mnist_mirrors")


def _figure_order(study):
    """Rotated before upright, MLPs before CNNs, then by name: the figures do
    not change when only the key order of the config file does."""
    cfg = config["studies"][study]
    return (not cfg["dataset"]["rotate"], cfg["model"]["arch"] != "mlp", study)


FIGURES = config.get("figures", {})
CLAIMS = config.get("claims", [])
# Studies drawn in a figure of `figures:` get no figure of their own.
FIGURE_STUDIES = {study for figure in FIGURES.values() for study in figure["studies"]}
LAYER_STUDIES = sorted(s for s, c in config["studies"].items() if c["liegg"].get("layers"))
ROTMNIST_STUDIES = sorted(
    (s for s, c in config["studies"].items() if c["task"] == "rotmnist" and s not in FIGURE_STUDIES),
    key=_figure_order,
)


def figure_names(kind):
    """Wildcard constraint matching exactly the figures of one kind (or nothing)."""
    names = sorted(name for name, figure in FIGURES.items() if figure["kind"] == kind)
    return "|".join(names) if names else "(?!)"


def get_figure_studies(wildcards):
    return FIGURES[wildcards.name]["studies"]


def get_figure_tables(table):
    def tables(wildcards):
        return [f"results/tables/{study}/{table}.csv" for study in FIGURES[wildcards.name]["studies"]]

    return tables


def claim_studies(table):
    """Studies whose `table` (runs or layers) some claim reads, sorted: the key
    order of the config file changes no input or parameter."""
    return sorted({s for c in CLAIMS for s in c["studies"] if c.get("table", "runs") == table})


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
    for study, cfg in config["studies"].items():
        targets += [f"results/tables/{study}/runs.csv", f"results/tables/{study}/spectra.csv"]
        if study in LAYER_STUDIES:
            targets.append(f"results/tables/{study}/layers.csv")
        if cfg["task"] != "rotmnist" and study not in FIGURE_STUDIES:  # rotmnist: the shared figures below
            targets += [f"figures/{study}_spectrum.pdf", f"figures/{study}_spectrum.png"]
    if ROTMNIST_STUDIES:
        targets += [f"figures/rotmnist_{name}.{ext}" for name in ("spectra", "generators") for ext in ("pdf", "png")]
    targets += [f"figures/{name}.{ext}" for name in FIGURES for ext in ("pdf", "png")]
    if CLAIMS:
        targets += ["results/tables/claims.csv", "results/tables/claims.md"]
    return targets
