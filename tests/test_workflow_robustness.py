"""Nothing lost, nothing wrong: the smoke workflow killed at several points,
fed corrupt or swapped files, or diverging, and run twice for determinism.

The session's smoke run (``smoke_run``) is the uninterrupted reference; each
test works on its own copy of it. The killed-and-resumed run deletes the O(5)
dataset and the reference study's files from its copy, so that the dataset and
the three studies built on it are made afresh: they must end byte for byte
where the reference did.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from liegg.study import arrays, checkpoints, files
from liegg.study.datasets import make_o5
from liegg.study.models import MLP, Standardized

from workflow_helpers import FLAGS, SMOKE, clone, planned_jobs, snakemake

pytestmark = pytest.mark.slow

STUDY = "o5_reference"
SETTING = "mlp-d2-w16"
RUNS = [f"{SETTING}-s{seed}" for seed in (0, 1)]
RESUME = f"results/runs/{STUDY}/{SETTING}.resume.pt"
DATASET = "results/data/o5-n600-v50-t50-s0.npz"
TABLES = [f"results/tables/{STUDY}/runs.csv", f"results/tables/{STUDY}/spectra.csv"]
FIGURES = [f"figures/{STUDY}_spectrum.pdf", f"figures/{STUDY}_spectrum.png"]
STUDY_LOGS = [f"logs/train/{STUDY}", f"logs/compute_spectra/{STUDY}.log", f"logs/plot_spectrum/{STUDY}.log"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_file(run: str, name: str) -> str:
    return f"results/runs/{STUDY}/{run}/{name}"


@pytest.fixture
def reference(smoke_run):
    """The workdir of the session's uninterrupted smoke run."""
    return smoke_run.workdir


# --------------------------------------------------------------------------- #
# Every file under its final name is complete
# --------------------------------------------------------------------------- #
def check_complete(path: Path) -> None:
    """Raise unless ``path`` is a complete file of its kind."""
    name = path.name
    if name.endswith(".resume.pt"):
        assert torch.load(path, map_location="cpu", weights_only=True)["format"] == "liegg-resume-1"
    elif name.endswith(".pt"):
        checkpoints.load_checkpoint(path)
    elif name.endswith(".npz"):
        arrays.load_arrays(path)
    elif name.endswith(".json"):
        files.read_json(path)
    elif name.endswith(".csv"):
        text = path.read_text()
        assert text.endswith("\n") and len(list(csv.DictReader(text.splitlines()))) > 0, path
    elif name.endswith(".pdf"):
        raw = path.read_bytes()
        assert raw.startswith(b"%PDF") and raw.rstrip().endswith(b"%%EOF"), path
    elif name.endswith(".png"):
        raw = path.read_bytes()
        assert raw.startswith(b"\x89PNG") and raw.endswith(b"IEND\xaeB`\x82"), path


def final_files(workdir: Path) -> list[Path]:
    """Files under their final names in results/ and figures/ (not benchmarks,
    which Snakemake writes, nor the hidden temporary files of atomic writes)."""
    files = []
    for top in ("results", "figures"):
        for path in sorted((workdir / top).rglob("*")):
            if path.is_file() and not path.name.startswith(".") and "benchmarks" not in path.parts:
                files.append(path)
    return files


def incomplete_outputs(workdir: Path) -> set[str]:
    """Outputs Snakemake has marked as being written by a job that has not finished."""
    marks = workdir / ".snakemake/incomplete"
    found = set()
    for mark in marks.rglob("*") if marks.exists() else []:
        if mark.is_file() and mark.name != "migration_underway":
            parts = mark.relative_to(marks).parts
            encoded = "".join(p.lstrip("@") for p in parts)
            found.add(base64.urlsafe_b64decode(encoded).decode())
    return found


# --------------------------------------------------------------------------- #
# Interruption
# --------------------------------------------------------------------------- #
def start_snakemake(workdir: Path, *args: str) -> subprocess.Popen:
    """Snakemake in its own process group, so that one killpg takes it and all its jobs."""
    log = open(workdir / "snakemake.out", "w")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    return subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL snakemake and every job it started; wait until all are gone."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while True:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise AssertionError("processes of the killed workflow are still alive")
        time.sleep(0.05)


def wait_for(condition, proc: subprocess.Popen, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the workflow ended (rc {proc.returncode}) before the kill point was reached")
        if time.monotonic() > deadline:
            raise AssertionError("kill point not reached in time")
        time.sleep(0.005)


def _exists(workdir, *paths):
    return lambda: any((workdir / p).exists() for p in paths)


def _log_says(workdir, path, text):
    return lambda: (workdir / path).exists() and text in (workdir / path).read_text()


def _marked(workdir, output):
    """True once Snakemake has marked ``output`` incomplete, i.e. started its job.
    For jobs whose work takes less time than a log line may lag, waiting for the
    mark (not for the job's log) makes the kill land while the job runs."""
    return lambda: output in incomplete_outputs(workdir)


def kill_points(workdir: Path):
    """(name, the output of the job it must interrupt, condition that triggers the kill)."""
    train_log = f"logs/train/{STUDY}/{SETTING}.log"
    extract_log = f"logs/compute_spectra/{STUDY}.log"
    resume = RESUME
    return [
        ("dataset generation", DATASET, _marked(workdir, DATASET)),
        # The smoke config saves a resume state every 5 of its 100 epochs.
        ("training, between epochs", run_file(RUNS[0], "model.pt"), _exists(workdir, resume)),
        ("training again, once resumed", run_file(RUNS[0], "model.pt"), _log_says(workdir, train_log, "resuming")),
        ("extraction", run_file(RUNS[0], "spectrum.npz"), _exists(workdir, extract_log)),
        ("tables", TABLES[0], _marked(workdir, TABLES[0])),
        ("figure", FIGURES[0], _exists(workdir, f"logs/plot_spectrum/{STUDY}.log")),
    ]


def test_killed_workflow_resumes_to_identical_results(reference, tmp_path):
    """SIGKILL the whole workflow (Snakemake and its jobs) at six points in
    turn, rerunning after each; the final results equal an uninterrupted
    run's (tables, datasets, spectra, figures byte for byte; checkpoints by
    their weights), and no file under its final name is ever incomplete."""
    workdir = clone(reference, tmp_path / "killed")
    # Without its dataset, o5_reference, o5_grid and o5_data_size rerun from scratch,
    # and so does everything built on them; without its logs, no kill point fires early.
    for path in (DATASET, f"results/runs/{STUDY}", f"results/tables/{STUDY}", *FIGURES, *STUDY_LOGS):
        target = workdir / path
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    survived = []
    for name, output, condition in kill_points(workdir):
        proc = start_snakemake(workdir, *SMOKE, *FLAGS)
        wait_for(condition, proc)
        kill_group(proc)
        # The kill hit the job while it ran: Snakemake has its output marked incomplete.
        assert output in incomplete_outputs(workdir), (name, incomplete_outputs(workdir))
        for path in final_files(workdir):
            check_complete(path)  # atomic writes: nothing truncated under a final name
        if name.startswith("training"):
            assert not (workdir / output).exists() and (workdir / RESUME).exists()
        survived.append(name)
        # A killed Snakemake leaves its lock: the way on is `snakemake --unlock`, then a rerun.
        if len(survived) == 1:
            snakemake(workdir, *SMOKE, "--unlock")
        else:  # what --unlock does, without starting Snakemake once more
            shutil.rmtree(workdir / ".snakemake/locks")
    snakemake(workdir, *SMOKE, *FLAGS)
    assert len(survived) == 6

    log = (workdir / f"logs/train/{STUDY}/{SETTING}.log").read_text()
    assert "resuming after epoch" in log, "the last training run resumed from its checkpoint"
    assert re.match(rf"=== [\d-]+ [\d:]+ UTC: rule train_{STUDY} starts ===\n", log), "the log starts with its header"
    assert not (workdir / RESUME).exists(), "resume state is removed when done"
    for run in RUNS:
        history = files.read_json(workdir / run_file(run, "train.json"))["history"]
        assert history == files.read_json(reference / run_file(run, "train.json"))["history"]
    assert_same_results(workdir, reference)
    for path in final_files(workdir):
        check_complete(path)
    litter = [p for top in ("results", "figures") for p in (workdir / top).rglob(".*.tmp")]
    assert litter == []
    assert planned_jobs(workdir, *SMOKE) == {}


# Files that hold wall times (they differ between identical runs).
TIMED = {"train.json", "liegg.json", "layers.json", "timings.csv", "provenance.csv", "runtimes.csv"}
TIMED |= {name.replace(".csv", ".html") for name in TIMED}


def assert_same_results(workdir: Path, reference: Path) -> None:
    """Every result of two runs of one config is the same: bytes, or weights for a
    checkpoint (torch.save writes a random serialization id into each one)."""
    ours = {p.relative_to(workdir) for p in final_files(workdir) if p.name not in TIMED}
    theirs = {p.relative_to(reference) for p in final_files(reference) if p.name not in TIMED}
    assert ours == theirs
    core = [DATASET, *TABLES, *FIGURES] + [run_file(r, f) for r in RUNS for f in ("model.pt", "spectrum.npz")]
    assert {Path(p) for p in core} <= ours
    for path in sorted(ours):
        if path.suffix == ".pt":
            spec, state = checkpoints.load_checkpoint(workdir / path)
            spec_ref, state_ref = checkpoints.load_checkpoint(reference / path)
            assert spec == spec_ref and all(torch.equal(state[k], state_ref[k]) for k in state_ref), path
        else:
            assert sha256(workdir / path) == sha256(reference / path), path


def test_changed_settings_never_resume_a_stale_state(reference, tmp_path):
    """A resume state left by a killed run of other settings is ignored."""
    workdir = clone(reference, tmp_path / "stale")
    stale = workdir / RESUME
    checkpoints.save_resume(stale, {"epoch": 50}, key={"spec": "of another run"})
    config = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    config["studies"][STUDY]["training"]["epochs"] = 20
    (workdir / "config/edited.yaml").write_text(yaml.safe_dump(config))
    edited = ("--configfile", "config/edited.yaml")
    snakemake(workdir, *edited, *FLAGS, run_file(RUNS[0], "model.pt"))
    log = (workdir / f"logs/train/{STUDY}/{SETTING}.log").read_text()
    assert "starting afresh" in log and "resuming" not in log
    assert len(files.read_json(workdir / run_file(RUNS[0], "train.json"))["history"]) == 20
    assert not stale.exists()


def test_changing_the_checkpoint_interval_retrains_nothing(reference, tmp_path):
    config = yaml.safe_load((reference / "config/smoke.yaml").read_text())
    config["studies"][STUDY]["training"]["checkpoint_every"] = 0
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(config))
    # Only the report's page of the config in use changes; nothing is retrained.
    assert planned_jobs(reference, "--configfile", str(edited)) == {"summarize_workflow": 1, "all": 1}


# --------------------------------------------------------------------------- #
# Bad data and numerical trouble
# --------------------------------------------------------------------------- #
def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _zero_middle(path: Path) -> None:
    raw = path.read_bytes()
    mid = len(raw) // 2
    path.write_bytes(raw[:mid] + bytes(64) + raw[mid + 64 :])


def _swap_in_other_dataset(workdir: Path) -> None:
    meta = {"task": "o5", "id": "o5-n600-v50-t50-s9", "n_samples": 600, "n_val": 50, "n_test": 50, "seed": 9}
    arrays.save_arrays(workdir / DATASET, make_o5(600, 50, 50, seed=9), meta=meta)


def _swap_checkpoints(workdir: Path) -> None:
    shutil.copyfile(workdir / run_file(RUNS[1], "model.pt"), workdir / run_file(RUNS[0], "model.pt"))


# A run of another job (another study's setting): two damages in one case reach two jobs.
OTHER_STUDY, OTHER_RUN = "o5_grid", "mlp-d1-w8-s0"
OTHER = f"results/runs/{OTHER_STUDY}/{OTHER_RUN}"


def _constant_model(workdir: Path) -> None:
    """A valid checkpoint of the right run (o5_grid, 1 x 8) whose network outputs a constant."""
    path = workdir / OTHER / "model.pt"
    spec, state = checkpoints.load_checkpoint(path)
    record = files.read_json(workdir / OTHER / "train.json")
    model = Standardized(MLP(10, 1, width=8, depth=1), 0.0, 1.0)
    zeroed = {k: (torch.zeros_like(v) if k.startswith("net.") else v) for k, v in state.items()}
    model.x_scale = torch.empty_like(state["x_scale"])
    model.load_state_dict(zeroed)
    meta = {"study": OTHER_STUDY, "run": OTHER_RUN, "spec": record["spec"]}
    checkpoints.save_checkpoint(path, model, spec, meta=meta)


def _diverging_config(workdir: Path) -> tuple[str, str]:
    config = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    config["studies"][STUDY]["training"]["lr"] = 1e30
    (workdir / "config/diverge.yaml").write_text(yaml.safe_dump(config))
    return ("--configfile", "config/diverge.yaml")


# case: (damage done to a finished run, failing jobs' messages that must appear)
CORRUPTIONS = {
    "truncated dataset": (lambda w: _truncate(w / DATASET), [(DATASET, "not a readable .npz")]),
    "dataset of another seed swapped in": (
        _swap_in_other_dataset,
        [(DATASET, "its id is 'o5-n600-v50-t50-s9', expected 'o5-n600-v50-t50-s0'")],
    ),
    "corrupted checkpoint and truncated training record": (
        lambda w: (_zero_middle(w / run_file(RUNS[0], "model.pt")), _truncate(w / OTHER / "train.json")),
        [
            (run_file(RUNS[0], "model.pt"), "does not match its checksum"),
            (f"{OTHER}/train.json", "not valid JSON"),
        ],
    ),
    "checkpoint of another run swapped in, and a constant network": (
        lambda w: (_swap_checkpoints(w), _constant_model(w)),
        [
            (run_file(RUNS[0], "model.pt"), f"its run is '{RUNS[1]}', expected '{RUNS[0]}'"),
            ("seed 0", "collapsed to a constant"),
        ],
    ),
    "truncated spectrum": (
        lambda w: _truncate(w / run_file(RUNS[1], "spectrum.npz")),
        [(run_file(RUNS[1], "spectrum.npz"), "not a readable .npz")],
    ),
    "training diverges (learning rate 1e30)": (
        _diverging_config,
        # The seeds of a setting train in one job, which stops at the first that diverges.
        [("seed 0", "training loss became")],
    ),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_bad_data_fails_clearly_and_keeps_downstream_results(reference, tmp_path, case):
    """Damage a finished run and rerun: the jobs that read the damaged file
    fail with a message naming it and the fix, they leave no output, and
    everything downstream of them stays as it was (nothing is rebuilt from
    garbage)."""
    workdir = clone(reference, tmp_path / "damaged")
    damage, expected = CORRUPTIONS[case]
    before = {p: sha256(p) for p in final_files(workdir)}
    args = damage(workdir)
    args = args if isinstance(args, tuple) and args[:1] == ("--configfile",) else SMOKE
    damaged = {p for p in final_files(workdir) if sha256(p) != before.get(p)}
    proc = snakemake(workdir, *args, *FLAGS, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    for where, what in expected:
        assert any(where in line and what in line for line in out.splitlines()), (where, what, out[-3000:])
    assert "rerun snakemake" in out or "lower the learning rate" in out
    # Snakemake removes the old outputs of a job before it runs it, so the
    # failed jobs left none; every other file, downstream ones included, is
    # as it was. The figures are downstream of every damaged file, the tables
    # of every one but a spectrum (their own input).
    kept = FIGURES if case == "truncated spectrum" else FIGURES + TABLES
    for path in kept:
        assert sha256(workdir / path) == before[workdir / path], f"{path} was rewritten"
    for path, digest in before.items():
        if path not in damaged and path.exists():
            assert sha256(path) == digest, f"{path} was overwritten"
    for path in final_files(workdir):
        if path not in damaged:
            check_complete(path)
