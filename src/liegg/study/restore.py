"""A trained run read back from its folder: its record and its model, checked to belong together."""

from __future__ import annotations

from pathlib import Path

from .arrays import load_dataset
from .checkpoints import load_checkpoint
from .files import read_json
from .models import restore_model

__all__ = ["load_study_runs", "load_trained_run"]


def load_trained_run(model_path, record_path, study: str, run: str):
    """The training record and the model (CPU, eval mode) of run ``run`` of ``study``.

    The checkpoint says which run it belongs to and what network it holds: a
    file of another run, or weights that do not match the record, are refused
    with a :class:`liegg.study.files.DataFileError` or ValueError that names
    the files and the fix.
    """
    record = read_json(record_path)
    architecture, state = load_checkpoint(model_path, expect={"study": study, "run": run, "spec": record["spec"]})
    if architecture != record["architecture"]:
        raise ValueError(
            f"{model_path} does not belong to {record_path}; delete both and rerun snakemake to retrain this run"
        )
    return record, restore_model(architecture, state)


def load_study_runs(study: str, runs, model_paths, record_paths, data_path):
    """Yield ``(run, record, model, data)`` for every trained run of ``study``, the dataset
    they share read once (and checked to be the one the first run's task names)."""
    data = None
    for run, model_path, record_path in zip(runs, model_paths, record_paths, strict=True):
        record, model = load_trained_run(model_path, record_path, study, run)
        if data is None:
            data = load_dataset(data_path, expect={"task": record["spec"]["task"], "id": Path(data_path).stem})
        yield run, record, model, data
