"""benchmarks/scaling.py on a Snakemake log whose schedule is known, and the training's
progress lines on the terminal."""

import logging
import sys

import pytest

from workflow_helpers import load_script

# Jobs a (30 s) and b (10 s) start together; c (20 s) needs a's output, d (5 s) b's and c's.
LOG = """Select jobs to execute...
Execute 2 jobs...
[Sun Dec  6 10:00:00 2026]
localrule train_a:
    input: data.npz
    output: a.pt
    jobid: 1
    reason: Missing output files: a.pt
    resources: tmpdir=/tmp
Shell command: None
[Sun Dec  6 10:00:00 2026]
localrule train_b:
    input: data.npz
    output: b.pt, b.json
    jobid: 2
    wildcards: setting=b
    resources: tmpdir=/tmp
Shell command: None
[Sun Dec  6 10:00:10 2026]
Finished jobid: 2 (Rule: train_b)
1 of 5 steps (20%) done
[Sun Dec  6 10:00:30 2026]
Finished jobid: 1 (Rule: train_a)
[Sun Dec  6 10:00:30 2026]
localrule extract:
    input: a.pt
    output: a.npz
    jobid: 3
[Sun Dec  6 10:00:50 2026]
Finished jobid: 3 (Rule: extract)
[Sun Dec  6 10:00:50 2026]
localrule tables:
    input: a.npz, b.json
    output: tables.csv
    jobid: 4
[Sun Dec  6 10:00:55 2026]
Finished jobid: 4 (Rule: tables)
[Sun Dec  6 10:00:55 2026]
localrule all:
    input: tables.csv
    jobid: 0
[Sun Dec  6 10:00:55 2026]
Finished jobid: 0 (Rule: all)
"""


@pytest.fixture(scope="module")
def scaling():
    return load_script("benchmarks/scaling.py")


def test_scaling_reads_the_jobs_and_their_dependencies(scaling, tmp_path):
    (tmp_path / "run.log").write_text(LOG)
    jobs = {j.jobid: j for j in scaling.read_log(tmp_path / "run.log")}
    assert {i: (j.rule, j.seconds) for i, j in jobs.items()} == {
        1: ("train_a", 30), 2: ("train_b", 10), 3: ("extract", 20), 4: ("tables", 5),
    }  # fmt: skip
    assert jobs[2].wildcards == "setting=b" and jobs[2].outputs == ["b.pt", "b.json"]
    assert scaling.dependencies(list(jobs.values())) == {1: set(), 2: set(), 3: {1}, 4: {2, 3}}


def test_scaling_predicts_the_schedule_and_the_critical_path(scaling, tmp_path, capsys):
    (tmp_path / "run.log").write_text(LOG)
    scaling.main(["--log", str(tmp_path / "run.log"), "--cores", "1", "2", "8"])
    out = capsys.readouterr().out
    # 1 core: the sum; 2 cores: a then c beside b, then d; more cores: the critical path a, c, d
    assert "4 jobs, 65 job-seconds, 55 s from first start to last finish" in out
    assert [line.split() for line in out.splitlines()[2:5]] == [["1", "65"], ["2", "55"], ["8", "55"]]
    assert "critical path: 55 s" in out
    assert [line.split()[-1] for line in out.splitlines()[-3:]] == ["train_a", "extract", "tables"]


def test_scaling_waits_for_threads(scaling, tmp_path, capsys):
    """A job of 2 threads on 2 cores runs alone."""
    (tmp_path / "run.log").write_text(LOG.replace("    jobid: 2\n", "    jobid: 2\n    threads: 2\n"))
    scaling.main(["--log", str(tmp_path / "run.log"), "--cores", "2"])
    assert capsys.readouterr().out.splitlines()[2].split() == ["2", "65"]


def test_training_progress_reaches_the_terminal_at_most_every_so_often(capfd):
    from liegg.study.files import progress_to_terminal

    logger = logging.getLogger("liegg.study.training")
    before = list(logger.handlers)
    try:
        progress_to_terminal("study/setting", seconds=3600)
        for epoch in (1, 2, 3):
            progress = f"epoch {epoch}/3, 1 of 1 networks training, at most 1s left"
            logger.info("epoch line", extra={"progress": progress, "last": epoch == 3})
        logger.info("not an epoch line")
    finally:
        for handler in set(logger.handlers) - set(before):
            logger.removeHandler(handler)
    lines = capfd.readouterr().err.splitlines()
    assert lines == [
        "study/setting: epoch 1/3, 1 of 1 networks training, at most 1s left",
        "study/setting: epoch 3/3, 1 of 1 networks training, at most 1s left",
    ], sys.__stderr__
