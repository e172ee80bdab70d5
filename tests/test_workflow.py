"""The smoke study end to end through Snakemake, and exactly-what-changed reruns."""

import contextlib
import csv
import os

import pytest
import yaml
from workflow_helpers import REPO, copy_repo, planned_jobs, snakemake

SMOKE = ("--configfile", "config/smoke.yaml")
SMOKE_CONFIG = yaml.safe_load((REPO / "config/smoke.yaml").read_text())
# Provenance, the report's table pages and the workflow summary follow every new result.
REPORT_JOBS = {"render_tables": 1, "summarize_workflow": 1}
ROTMNIST = ("rotmnist_mlp", "rotmnist_cnn", "rotmnist_upright")

def _n_runs(study):
    grid = [*study["model"].values(), study["training"].get("n_train", [0]), study["training"].get("regime", [0])]
    n = len(study["seeds"])
    for values in grid:
        n *= len(values) if isinstance(values, list) else 1
    return n


N_RUNS = sum(_n_runs(study) for study in SMOKE_CONFIG["studies"].values())


@contextlib.contextmanager
def edited(path):
    """Append a comment to a file for the duration; restore its text and mtime,
    so that the finished run stays up to date for the tests that follow."""
    original, stat = path.read_text(), path.stat()
    try:
        path.write_text(original + "\n# edited\n")
        yield
    finally:
        path.write_text(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A copy of the repository after a complete smoke run."""
    workdir = copy_repo(tmp_path_factory.mktemp("smoke"))
    snakemake(workdir, *SMOKE)
    return workdir


def test_smoke_run_builds_tables_and_figures(finished_run):
    study = finished_run / "results/tables/o5_reference"
    with open(study / "runs.csv") as fh:
        runs = list(csv.DictReader(fh))
    assert [r["seed"] for r in runs] == ["0", "1"]
    with open(study / "spectra.csv") as fh:
        spectra = list(csv.DictReader(fh))
    assert len(spectra) == 2 * 25
    for run in runs:
        assert float(run["lambda_min"]) >= 0
    for ext in ("pdf", "png"):
        assert (finished_run / f"figures/o5_reference_spectrum.{ext}").stat().st_size > 1000
    assert (finished_run / "logs/train_model/o5_reference/mlp-d2-w16-s0.log").read_text().count("epoch") >= 3


def test_nothing_to_do_after_a_full_run(finished_run):
    assert planned_jobs(finished_run, *SMOKE) == {}


def plan_with_edited_config(workdir, tmp_path, edit):
    """Jobs a dry run plans after ``edit(study_config)`` on the smoke config."""
    config = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    edit(config["studies"]["o5_reference"])
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(config))
    return planned_jobs(workdir, "--configfile", str(edited))


def test_changing_a_training_value_reruns_training_and_downstream_only(finished_run, tmp_path):
    jobs = plan_with_edited_config(finished_run, tmp_path, lambda study: study["training"].update(lr=0.001))
    assert jobs == {"train_model": 2, "compute_spectrum": 2, "gather_tables": 1, "plot_spectrum": 1, "all": 1, **REPORT_JOBS}


def test_adding_a_seed_trains_only_the_new_run(finished_run, tmp_path):
    jobs = plan_with_edited_config(finished_run, tmp_path, lambda study: study["seeds"].append(7))
    assert jobs == {"train_model": 1, "compute_spectrum": 1, "gather_tables": 1, "plot_spectrum": 1, "all": 1, **REPORT_JOBS}


def test_editing_metric_code_reruns_extraction_not_training(finished_run):
    with edited(finished_run / "src/liegg/metrics.py"):
        jobs = planned_jobs(finished_run, *SMOKE)
    assert "train_model" not in jobs and "make_dataset" not in jobs
    assert jobs["compute_spectrum"] == N_RUNS and jobs["plot_spectrum"] == 1


def test_editing_figure_code_reruns_only_the_figure(finished_run):
    with edited(finished_run / "workflow/notebooks/spectrum.py"):
        jobs = planned_jobs(finished_run, *SMOKE)
    assert jobs == {"plot_spectrum": 1, "all": 1}


def test_smoke_run_builds_rotation_mnist_studies(finished_run):
    for study in ROTMNIST:
        with open(finished_run / f"results/tables/{study}/runs.csv") as fh:
            (run,) = list(csv.DictReader(fh))
        assert 0 <= float(run["val_accuracy"]) <= 1 and float(run["lambda_min"]) >= 0
        assert int(run["rows"]) == 300  # outputs: sum over the training digits
    assert run["run"] == "mlp-d2-w16-s0"
    with open(finished_run / "results/tables/rotmnist_cnn/runs.csv") as fh:
        assert next(csv.DictReader(fh))["run"] == "cnn-d2-w4-k3-s0"
    for name in ("spectra", "generators"):
        for ext in ("pdf", "png"):
            assert (finished_run / f"figures/rotmnist_{name}.{ext}").stat().st_size > 1000
    # Rotated and upright digits are two datasets, shared by the studies that use them.
    assert sorted(p.name for p in (finished_run / "results/data").glob("rotmnist-*.npz")) == [
        "rotmnist-n400-v50-t50-s0-rot-b1p5.npz",
        "rotmnist-n400-v50-t50-s0-upright-b1p5.npz",
    ]


def test_editing_the_generator_figure_reruns_only_it(finished_run):
    with edited(finished_run / "workflow/notebooks/rotmnist_generators.py"):
        jobs = planned_jobs(finished_run, *SMOKE)
    assert jobs == {"plot_rotmnist_generators": 1, "all": 1}


def test_changing_the_action_reruns_extraction_not_training(finished_run, tmp_path):
    config = yaml.safe_load((finished_run / "config/smoke.yaml").read_text())
    study = config["studies"]["rotmnist_mlp"]
    study["liegg"] = {**study["liegg"], "action": {"centre": "authors", "difference": "forward"}}  # this study only
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(config))
    jobs = planned_jobs(finished_run, "--configfile", str(edited))
    assert jobs == {"compute_spectrum": 1, "gather_tables": 1, "plot_rotmnist_spectra": 1,
                    "plot_rotmnist_generators": 1, "all": 1, **REPORT_JOBS}


def test_download_source_plans_the_download(finished_run, tmp_path):
    config = yaml.safe_load((finished_run / "config/smoke.yaml").read_text())
    study = config["studies"]["rotmnist_mlp"]
    study["dataset"] = {**study["dataset"], "source": "download"}  # this study only
    config["mnist_mirrors"] = ["http://127.0.0.1:9/mnist/"]
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(config))
    jobs = planned_jobs(finished_run, "--configfile", str(edited))
    assert jobs["download_mnist"] == 1 and jobs["make_dataset"] == 1 and jobs["train_model"] == 1


def _table(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_smoke_run_builds_the_study_grids(finished_run):
    tables = finished_run / "results/tables"
    assert [r["run"] for r in _table(tables / "rotmnist_mlp_grid/runs.csv")] == ["mlp-d1-w8-s0", "mlp-d2-w8-s0"]
    assert [r["run"] for r in _table(tables / "o5_grid/runs.csv")] == ["mlp-d1-w16-s0", "mlp-d1-w8-s0"]
    sizes = _table(tables / "o5_data_size/runs.csv")
    assert [(r["run"], r["n_train"]) for r in sizes] == [("mlp-d1-w8-n250-s0", "250"), ("mlp-d1-w8-n500-s0", "500")]
    # the same steps for each size: sample_budget 1000 -> 4 and 2 epochs
    for run, epochs in (("mlp-d1-w8-n250-s0", 4), ("mlp-d1-w8-n500-s0", 2)):
        record = yaml.safe_load((finished_run / f"results/runs/o5_data_size/{run}/train.json").read_text())
        assert record["epochs"] == epochs and len(record["history"]) == epochs
    # LieGG on the test split, the same samples for every size
    assert {r["rows"] for r in sizes} == {"50"}


def test_smoke_run_builds_per_layer_tables_for_every_regime(finished_run):
    layers = _table(finished_run / "results/tables/rotmnist_layers/layers.csv")
    assert [(r["regime"], r["layer"]) for r in layers] == [
        (regime, layer) for regime in ("autoencoder", "end_to_end", "layerwise") for layer in ("1", "2")
    ]
    assert all(float(r["lambda_min"]) >= 0 and 0 <= float(r["bias_of_lambda_min"]) <= 1 + 1e-9 for r in layers)


def test_smoke_run_builds_study_figures_and_claims(finished_run):
    for name in SMOKE_CONFIG["figures"]:
        for ext in ("pdf", "png"):
            assert (finished_run / f"figures/{name}.{ext}").stat().st_size > 1000
    claims = _table(finished_run / "results/tables/claims.csv")
    assert [c["id"] for c in claims] == [c["id"] for c in SMOKE_CONFIG["claims"]]
    # one seed, two settings: nothing can be concluded, and the table says so
    assert {c["verdict"] for c in claims} == {"inconclusive"}
    assert "| " in (finished_run / "results/tables/claims.md").read_text()


def _plan_with(workdir, tmp_path, edit):
    config = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    edit(config)
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(config))
    return planned_jobs(workdir, "--configfile", str(edited))


def test_adding_a_grid_value_reruns_only_the_new_runs_and_aggregates(finished_run, tmp_path):
    jobs = _plan_with(finished_run, tmp_path, lambda cfg: cfg["studies"]["rotmnist_mlp_grid"]["model"]["width"].append(4))
    assert jobs == {"train_model": 2, "compute_spectrum": 2, "gather_tables": 1, "plot_capacity": 1,
                    "build_claims": 1, "render_claims": 1, "all": 1, **REPORT_JOBS}


def test_adding_a_training_set_size_reruns_only_its_run_and_aggregates(finished_run, tmp_path):
    jobs = _plan_with(finished_run, tmp_path, lambda cfg: cfg["studies"]["o5_data_size"]["training"]["n_train"].append(100))
    assert jobs == {"train_model": 1, "compute_spectrum": 1, "gather_tables": 1, "plot_data_size": 1,
                    "build_claims": 1, "render_claims": 1, "all": 1, **REPORT_JOBS}


def test_editing_layer_code_reruns_only_the_layer_spectra(finished_run):
    with edited(finished_run / "src/liegg/layers.py"):
        jobs = planned_jobs(finished_run, *SMOKE)
    assert jobs == {"compute_layer_spectra": 3, "gather_layer_tables": 1, "plot_layers": 1, "build_claims": 1,
                    "render_claims": 1, "summarize_workflow": 1, "all": 1}
