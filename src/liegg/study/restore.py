"""A trained run read back from its folder: its record and its model, checked to belong together."""

from __future__ import annotations

from .checkpoints import load_checkpoint
from .files import read_json
from .models import restore_model

__all__ = ["load_trained_run"]


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
