"""The smoke study end to end through Snakemake, and exactly-what-changed reruns."""

import csv

import pytest
import yaml

from workflow_helpers import copy_repo, planned_jobs, snakemake

SMOKE = ("--configfile", "config/smoke.yaml")
# Provenance, the report's table pages and the workflow summary follow every new result.
REPORT_JOBS = {"gather_provenance": 1, "render_tables": 1, "summarize_workflow": 1}


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
    metrics = finished_run / "src/liegg/metrics.py"
    original = metrics.read_text()
    try:
        metrics.write_text(original + "\n# edited\n")
        jobs = planned_jobs(finished_run, *SMOKE)
    finally:
        metrics.write_text(original)
    assert "train_model" not in jobs and "make_dataset" not in jobs
    assert jobs["compute_spectrum"] == 2 and jobs["plot_spectrum"] == 1


def test_editing_figure_code_reruns_only_the_figure(finished_run):
    notebook = finished_run / "workflow/notebooks/spectrum.py"
    original = notebook.read_text()
    try:
        notebook.write_text(original + "\n# edited\n")
        jobs = planned_jobs(finished_run, *SMOKE)
    finally:
        notebook.write_text(original)
    assert jobs == {"plot_spectrum": 1, "all": 1}
