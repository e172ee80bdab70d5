# Config validation, wildcard constraints and the get_* helpers. No rules here.

import importlib.util
import itertools
import json
import os
from pathlib import Path

ROOT = Path(workflow.basedir)

# Jobs import the library from this checkout, also in conda envs and on cluster nodes.
# (Set, not read: the variable need not exist, so there is nothing for `envvars:` to assert.)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p)
)


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


def _load_study_module(name):
    """liegg/study/<name>.py of this checkout, loaded as a file: importing it as
    part of the package would import torch (a second) whenever Snakemake parses."""
    spec = importlib.util.spec_from_file_location(f"liegg_{name}", ROOT / f"src/liegg/study/{name}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


_load_study_module("config").validate_config(config, ROOT / "workflow/schemas/config.schema.yaml")
CONVOLUTIONAL_ARCHS = _load_study_module("columns").CONVOLUTIONAL_ARCHS


def check_local_device():
    """`device: cuda` needs a GPU where the jobs run: checked once, before any job, when they
    run on this machine. On a cluster the submit host may have none; each job checks its node."""
    if config["device"] != "cuda" or not workflow.local_exec:
        return
    import torch

    if not torch.cuda.is_available():
        from snakemake.exceptions import WorkflowError

        raise WorkflowError(
            "invalid config at 'device': 'cuda', but torch sees no CUDA device on this machine, where "
            "the jobs would run; use device: auto (the GPU when there is one) or cpu, or submit to a "
            "cluster whose nodes have GPUs (--workflow-profile profiles/slurm)"
        )


onstart:
    check_local_device()


# Cheap jobs (tables, figures, report pages) run on the submitting host on a cluster.
localrules:
    all,
    gather_tables,
    gather_layer_tables,
    build_claims,
    render_claims,
    summarize_workflow,
    plot_spectrum,
    plot_rotmnist_spectra,
    plot_rotmnist_generators,
    plot_capacity,
    plot_data_size,
    plot_layers,
    plot_controls,
    plot_controls_finite,
    build_catalogue,
    plot_catalogue,
    render_tutorial,


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
        if "scale" in ds:
            low, high = (f"{v:g}".replace(".", "p") for v in ds["scale"])
            base += f"-sc{low}-{high}"
        if "translate" in ds:
            shift = f"{ds['translate']:g}".replace(".", "p")
            base += f"-tr{shift}"
        base += "-rgb" if ds.get("colour") else ""
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
    """Every (study, run id) with the full spec of that run, and every (study,
    setting) with the run ids of its seeds (the runs trained together)."""
    runs, settings = {}, {}
    for study, cfg in config["studies"].items():
        grid = itertools.product(_model_grid(cfg["model"]), _training_grid(cfg["training"]))
        for (prefix, model), (suffix, training) in grid:
            setting = f"{prefix}{suffix}"
            settings[(study, setting)] = [f"{setting}-s{seed}" for seed in cfg["seeds"]]
            for seed in cfg["seeds"]:
                runs[(study, f"{setting}-s{seed}")] = canonical(
                    {
                        "task": cfg["task"],
                        "seed": seed,
                        "model": model,
                        "training": training,
                        "liegg": cfg["liegg"],
                    }
                )
    return runs, settings


RUNS, SETTINGS = _build_runs()
DATASETS = {
    dataset_id(s): canonical({"task": c["task"], **c["dataset"]}) for s, c in config["studies"].items()
}


def study_settings(study):
    """The settings of a study (a run id less its seed), sorted."""
    return sorted(setting for s, setting in SETTINGS if s == study)


def setting_constraint(settings):
    """Wildcard constraint matching exactly these settings."""
    return "|".join(settings)


def group_outputs(study, kind):
    """Per-run files of one setting's seeds, as patterns in {setting}."""
    seeds = config["studies"][study]["seeds"]
    return [f"results/runs/{study}/{{setting}}-s{seed}/{kind}" for seed in seeds]


def study_outputs(study, kind):
    """Per-run files of every run of a study."""
    return [f"results/runs/{study}/{run}/{kind}" for run in get_study_runs(study)]


def is_convolutional(study):
    return config["studies"][study]["model"]["arch"] in CONVOLUTIONAL_ARCHS


def per_setting_extraction(study):
    """CNN and ResNet studies extract LieGG per setting (see extract.smk); other studies in one job."""
    return is_convolutional(study)


def extraction_files(study, kind):
    """The per-run files of one compute_spectra job: a setting's (patterns in {setting}) or the study's."""
    return group_outputs(study, kind) if per_setting_extraction(study) else study_outputs(study, kind)


def extraction_job(study):
    """The name of a compute_spectra job's log and benchmark file."""
    return f"{study}/{{setting}}" if per_setting_extraction(study) else study


def training_priority(study):
    """CNN settings train for minutes, MLP settings for seconds: Snakemake starts the first first."""
    return int(is_convolutional(study))


def extraction_runs(study):
    return get_setting_runs(study) if per_setting_extraction(study) else get_study_runs(study)


def training_specs(study, setting):
    """What training depends on (not the LieGG settings), one spec per seed of a setting."""
    out = []
    for run in SETTINGS[(study, setting)]:
        spec = dict(RUNS[(study, run)])
        spec.pop("liegg")
        # How often training saves a resume state does not change its result.
        spec["training"] = {k: v for k, v in spec["training"].items() if k != "checkpoint_every"}
        out.append(spec)
    return out


def get_training_specs(study):
    return lambda wildcards: training_specs(study, wildcards.setting)


def _find_shared_settings():
    """{(study, setting): (study, setting) it copies}: settings of several studies with the
    same dataset, network, training and seeds are trained once, by the study whose name
    sorts first (not the first in the file: the key order of a config changes nothing); the
    others' runs are that training's weights and records (rule reuse_<study>)."""
    first, shared = {}, {}
    for study, setting in sorted(SETTINGS):
        key = json.dumps([dataset_id(study), training_specs(study, setting)], sort_keys=True)
        if key in first:
            shared[(study, setting)] = first[key]
        else:
            first[key] = (study, setting)
    return shared


SHARED = _find_shared_settings()


def trained_settings(study):
    """The settings a study trains itself (not those it takes from another study)."""
    return [s for s in study_settings(study) if (study, s) not in SHARED]


def shared_settings(study):
    return [s for s in study_settings(study) if (study, s) in SHARED]


def _source_runs(study, setting):
    """(study, run ids) of the training a shared setting copies, seed by seed."""
    source_study, source_setting = SHARED[(study, setting)]
    return source_study, SETTINGS[(source_study, source_setting)]


def get_shared_files(study, kind):
    def files(wildcards):
        source, runs = _source_runs(study, wildcards.setting)
        return [f"results/runs/{source}/{run}/{kind}" for run in runs]

    return files


def get_shared_runs(study):
    def runs(wildcards):
        source, ids = _source_runs(study, wildcards.setting)
        return [f"{source}/{run}" for run in ids]

    return runs


def get_liegg_settings(study):
    # Whether layers are also extracted does not change the network's spectrum.
    return canonical({k: v for k, v in config["studies"][study]["liegg"].items() if k != "layers"})


def get_setting_runs(study):
    return lambda wildcards: SETTINGS[(study, wildcards.setting)]


def family_resources(family, **defaults):
    """Resources of a family of per-study rules (train, compute_spectra,
    compute_layer_spectra): `defaults`, then what a profile sets under the
    family's name (`set-resources: train: {gpu: 1}`), then what it sets for
    one study's rule (`train_<study>`), which Snakemake applies itself."""
    settings = getattr(workflow, "resource_settings", None)
    overrides = getattr(settings, "overwrite_resources", None) or {}
    return {**defaults, **{k: getattr(v, "value", v) for k, v in overrides.get(family, {}).items()}}


def family_threads(family, default=1):
    """Threads of a family of per-study rules (`set-threads: train: 2` in a profile)."""
    settings = getattr(workflow, "resource_settings", None)
    value = (getattr(settings, "overwrite_threads", None) or {}).get(family, default)
    return getattr(value, "value", value)


def dataset_file(study):
    return f"results/data/{dataset_id(study)}.npz"


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
    """Base URLs for source: download (None: the defaults of liegg.study.mnist)."""
    return config.get("mnist_mirrors")


def _figure_order(study):
    """Rotated before upright, MLPs before CNNs, then by name: the figures do
    not change when only the key order of the config file does."""
    cfg = config["studies"][study]
    return (not cfg["dataset"]["rotate"], cfg["model"]["arch"] != "mlp", study)


FIGURES = config.get("figures", {})
CLAIMS = config.get("claims", [])
CATALOGUE = config.get("catalogue", [])
# Studies drawn in a figure of `figures:` get no figure of their own.
# (A controls figure takes nothing away: its rotated and upright studies keep their place in
# the rotation-MNIST figures.)
FIGURE_STUDIES = {
    study for figure in FIGURES.values() if figure["kind"] != "controls" for study in figure["studies"]
}
LAYER_STUDIES = sorted(s for s, c in config["studies"].items() if c["liegg"].get("layers"))
# The rotation-MNIST figures: rotated or upright grey digits (the scaled ones are the controls
# figure's; the shifted ones, read with the affine action, and the coloured ones have their own).
ROTMNIST_STUDIES = sorted(
    (
        s
        for s, c in config["studies"].items()
        if c["task"] == "rotmnist"
        and s not in FIGURE_STUDIES
        and "scale" not in c["dataset"]
        and "translate" not in c["dataset"]
        and not c["dataset"].get("colour")
    ),
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
        # The trained networks are results too: one lost to an interruption is trained again,
        # even when the tables made from it are still there.
        targets += study_outputs(study, "model.pt") + study_outputs(study, "train.json")
        if study in LAYER_STUDIES:
            targets.append(f"results/tables/{study}/layers.csv")
        # Rotated, scaled and upright grey digits: the shared figures below; shifted ones have 3 x 3
        # generators, coloured ones a figure each.
        own_figure = (
            cfg["task"] != "rotmnist" or "translate" in cfg["dataset"] or cfg["dataset"].get("colour")
        )
        if own_figure and study not in FIGURE_STUDIES:
            targets += [f"figures/{study}_spectrum.pdf", f"figures/{study}_spectrum.png"]
    if ROTMNIST_STUDIES:
        targets += [
            f"figures/rotmnist_{name}.{ext}" for name in ("spectra", "generators") for ext in ("pdf", "png")
        ]
    targets += [f"figures/{name}.{ext}" for name in FIGURES for ext in ("pdf", "png")]
    # Each controls figure has a second one: LieGG beside the finite check.
    targets += [f"figures/{name}_finite.{ext}" for name in FIGURES if FIGURES[name]["kind"] == "controls"
                for ext in ("pdf", "png")]  # fmt: skip
    if CLAIMS:
        targets += ["results/tables/claims.csv", "results/tables/claims.md"]
    if "tutorial" in config:
        targets += ["results/tutorial/own_model.ipynb", "figures/own_model.png"]
    if CATALOGUE:
        targets += ["results/tables/catalogue.csv", "results/tables/catalogue.md"]
        targets += [f"figures/catalogue.{ext}" for ext in ("pdf", "png")]
    return targets
