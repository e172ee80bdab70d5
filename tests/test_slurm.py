"""The smoke study on a real SLURM cluster through profiles/slurm.

Needs a running cluster whose node offers GPUs (``.ci/slurm-up.sh`` starts a
one-node cluster with fake GPUs) and snakemake-executor-plugin-slurm. Without
them these tests are skipped, unless ``LIEGG_REQUIRE_SLURM=1`` (set by
``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workflow_helpers import SMOKE, copy_repo, planned_jobs, snakemake

pytestmark = pytest.mark.slow

# The test cluster has no accounting database, so job states come from squeue
# (slurm-up.sh keeps finished jobs listed for MinJobAge = 900 s); short polling
# intervals keep the run quick. Everything else comes from the profile.
SLURM = (
    "--workflow-profile", "profiles/slurm",
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "2",
    "--seconds-between-status-checks", "1",
    "--latency-wait", "5",
    "--jobs", "4",
)
# Two studies of the smoke config cover every kind of job a cluster runs: datasets, training
# (with a GPU), spectra and layer spectra through sbatch; tables and figures on the host.
# The rest of the smoke config would add 60 jobs of the same kinds and about 4 minutes.
TARGETS = ("figures/o5_reference_spectrum.png", "figures/layers.png")
TABLES = ("runs.csv", "spectra.csv")
TIMEOUT = 600
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+)")


def _cluster_problem() -> str | None:
    """Why the SLURM tests cannot run here, or None when they can."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[test]')"
    if shutil.which("sbatch") is None or shutil.which("squeue") is None:
        return "the SLURM client commands (sbatch, squeue) are not installed"
    try:
        proc = subprocess.run(["sinfo", "-h", "-o", "%T %G"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"sinfo did not answer: {err}"
    if proc.returncode != 0:
        return f"no SLURM controller answers (start one with .ci/slurm-up.sh): {proc.stderr.strip()}"
    states = proc.stdout.split()
    if not any(s in ("idle", "mixed", "allocated") for s in states[::2]):
        return f"no SLURM node is up: sinfo says {proc.stdout.strip()!r}"
    if "gpu" not in proc.stdout:
        return "the SLURM nodes offer no GPUs (FAKE_GPUS in .ci/slurm-up.sh)"
    return None


@pytest.fixture(scope="module")
def cluster():
    problem = _cluster_problem()
    if problem is None:
        return
    if os.environ.get("LIEGG_REQUIRE_SLURM") == "1":
        pytest.fail(f"LIEGG_REQUIRE_SLURM=1 but {problem}")
    pytest.skip(problem)


def _snakemake_cmd(*args: str) -> list[str]:
    # SIGINT, not SIGTERM, stops Snakemake with a cluster executor cleanly.
    return ["timeout", "-s", "INT", "-k", "30", str(TIMEOUT), sys.executable, "-m", "snakemake", *args]


def _env() -> dict:
    return {**os.environ, "PYTHONHASHSEED": "0"}


def _run_on_slurm(workdir: Path) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        _snakemake_cmd(*TARGETS, *SLURM, *SMOKE), cwd=workdir, capture_output=True, text=True, env=_env(),
        timeout=TIMEOUT + 60,
    )
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, f"snakemake on SLURM failed:\n{proc.stdout}\n{proc.stderr}"
    return proc, seconds


def _squeue(job_ids: list[str]) -> dict[str, dict]:
    """State, comment (Snakemake writes rule_<rule>_wildcards_...) and GPUs of each job."""
    fields = "JobID:20,State:20,tres-per-job:40,Comment:200"
    proc = subprocess.run(
        ["squeue", "--states=all", "-h", "-j", ",".join(job_ids), "-O", fields],
        capture_output=True, text=True, check=True,
    )
    jobs = {}
    for line in proc.stdout.splitlines():
        job_id, state, tres, comment = line[:20].strip(), line[20:40].strip(), line[40:80].strip(), line[80:].strip()
        jobs[job_id] = {"state": state, "tres": tres, "comment": comment}
    return jobs


def _report(text: str) -> None:
    """Append to the file .ci/run prints at the end (when it asks for one)."""
    path = os.environ.get("LIEGG_SLURM_REPORT")
    if path:
        with open(path, "a") as fh:
            fh.write(text.rstrip() + "\n")


def _start_on_slurm(workdir: Path, out: Path) -> subprocess.Popen:
    fh = open(out, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", *TARGETS, *SLURM, *SMOKE], cwd=workdir, stdout=fh,
        stderr=subprocess.STDOUT, env=_env(),
    )


def _training_submitted(workdir: Path) -> bool:
    """A training job is on the cluster and Snakemake has marked its outputs incomplete (it
    writes the mark after sbatch answers, so a kill on the job's log file alone can come first)."""
    logs, incomplete = workdir / ".snakemake/slurm_logs", workdir / ".snakemake/incomplete"
    return (logs.exists() and any(p.name.startswith("rule_train_") for p in logs.iterdir())
            and incomplete.exists() and any(incomplete.iterdir()))


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    """Two studies of the smoke config on SLURM, once: Snakemake is killed (SIGKILL, as when the login
    session dies) while training jobs are on the cluster, its jobs are cancelled, the
    lock removed, and the same command run again to the end."""
    workdir = copy_repo(tmp_path_factory.mktemp("slurm"))
    out = workdir / "first.log"
    first = _start_on_slurm(workdir, out)
    try:
        deadline = time.monotonic() + 300
        while not _training_submitted(workdir):
            assert first.poll() is None, f"snakemake ended before training was submitted:\n{out.read_text()}"
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.2)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    orphans = SUBMITTED.findall(out.read_text())
    if orphans:
        subprocess.run(["scancel", *orphans], check=True)
    # Snakemake marked the outputs of the submitted jobs incomplete; nothing cleared the marks.
    incomplete = workdir / ".snakemake/incomplete"
    marked = incomplete.exists() and any(incomplete.iterdir())
    snakemake(workdir, "--unlock", *SMOKE)
    expected = planned_jobs(workdir, *TARGETS, *SMOKE)
    proc, seconds = _run_on_slurm(workdir)
    return {"workdir": workdir, "log": proc.stdout + proc.stderr, "expected": expected, "seconds": seconds,
            "orphans": orphans, "marked": marked, "incomplete": incomplete}


# Rules the workflow runs on the submitting host (`localrules` in workflow/rules/common.smk).
LOCAL_RULES = re.compile(
    r"gather_tables|gather_layer_tables|build_claims|build_catalogue|render_claims|render_tutorial|summarize_workflow|plot_\w+"
)


def test_every_job_ran_through_sbatch(slurm_run):
    """Every job but the cheap local ones (tables, figures, pages) went through sbatch."""
    workdir, log, expected, seconds = (slurm_run[k] for k in ("workdir", "log", "expected", "seconds"))
    local = {rule: n for rule, n in expected.items() if LOCAL_RULES.fullmatch(rule)}
    expected = {rule: n for rule, n in expected.items() if rule not in local}
    assert local and all(f"localrule {rule}:" in log for rule in local), log[-3000:]
    job_ids = SUBMITTED.findall(log)
    assert len(job_ids) == sum(expected.values()), log
    jobs = _squeue(job_ids)
    assert sorted(jobs) == sorted(job_ids)
    per_rule = {}
    for job_id, job in jobs.items():
        assert job["state"] == "COMPLETED", (job_id, job)
        # Snakemake's comment is rule_<rule>, then _wildcards_... for a rule with wildcards.
        rule = max((r for r in expected if job["comment"] == f"rule_{r}" or job["comment"].startswith(f"rule_{r}_")),
                   key=len)
        per_rule[rule] = per_rule.get(rule, 0) + 1
        # The profile gives training (every train_<study> rule) one GPU; the cluster really scheduled it.
        assert ("gpu:1" in job["tres"]) == rule.startswith("train_"), (job_id, job)
        assert list((workdir / ".snakemake/slurm_logs" / f"rule_{rule}").rglob(f"{job_id}.log")), job_id
    assert per_rule == expected
    lines = [f"SLURM smoke run (after a restart): {len(jobs)} jobs in {seconds:.1f} s"]
    lines += [f"  job {j}: {jobs[j]['state']} {jobs[j]['comment']} {jobs[j]['tres']}" for j in job_ids]
    _report("\n".join(lines))


def test_slurm_outputs_equal_the_local_run(slurm_run, smoke_run):
    for name in TABLES:
        ours = (slurm_run["workdir"] / "results/tables/o5_reference" / name).read_bytes()
        assert ours == (smoke_run.workdir / "results/tables/o5_reference" / name).read_bytes(), name
    _report(
        f"runs.csv, spectra.csv: identical to the local run; wall time SLURM {slurm_run['seconds']:.1f} s "
        f"(after the restart), local {smoke_run.seconds:.1f} s"
    )


def test_a_killed_run_restarts_and_completes(slurm_run):
    assert slurm_run["orphans"] and slurm_run["marked"], slurm_run["log"][-2000:]
    assert "rule train_" in slurm_run["log"]  # the interrupted training jobs ran again
    assert not any(slurm_run["incomplete"].iterdir())
    assert planned_jobs(slurm_run["workdir"], *TARGETS, *SMOKE) == {}
    _report(
        f"killed run (SIGKILL after {len(slurm_run['orphans'])} submission(s), jobs "
        f"{', '.join(slurm_run['orphans'])} cancelled), unlocked and restarted: completed"
    )
