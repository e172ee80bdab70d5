"""The smoke study end to end through Snakemake, and exactly-what-changed reruns."""

import contextlib
import csv
import os

import pytest
import yaml

from workflow_helpers import copy_repo, planned_jobs, snakemake

SMOKE = ("--configfile", "config/smoke.yaml")
# Provenance, the report's table pages and the workflow summary follow every new result.
REPORT_JOBS = {"gather_provenance": 1, "render_tables": 1, "summarize_workflow": 1}
ROTMNIST = ("rotmnist_mlp", "rotmnist_cnn", "rotmnist_upright")
N_RUNS = 2 + len(ROTMNIST)  # two O(5) seeds, one run per rotation-MNIST study


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
