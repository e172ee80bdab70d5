"""Provenance records and the report's table pages, against files made here."""

import hashlib
import shutil
import subprocess
import time

import numpy as np
import pytest

from liegg.study import arrays, provenance, reporting

GIT = shutil.which("git")


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   check=True, capture_output=True)


@pytest.mark.skipif(GIT is None, reason="git not installed")
def test_git_state_names_the_commit_and_sees_edits_to_tracked_files(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("one\n")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "untracked.csv").write_text("results\n")  # results do not make the tree dirty
    assert provenance.git_state(tmp_path)["dirty"] is False
    (tmp_path / "a.txt").write_text("two\n")
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": True}


def test_git_state_outside_a_checkout_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert provenance.git_state(tmp_path) == {"commit": "unknown", "dirty": "unknown"}


def test_file_record_has_the_checksum_and_the_settings_an_npz_carries(tmp_path):
    path = tmp_path / "data.npz"
    arrays.save_arrays(path, {"x": np.arange(6.0)}, meta={"task": "o5", "n_samples": 6})
    record = provenance.file_record(path)
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["bytes"] == path.stat().st_size
    assert record["meta"] == {"task": "o5", "n_samples": 6}
    other = tmp_path / "model.pt"
    other.write_bytes(b"\x00" * 10)
    assert "meta" not in provenance.file_record(other)


def test_collect_records_what_it_is_given(tmp_path):
    path = tmp_path / "in.bin"
    path.write_bytes(b"abc")
    started = time.perf_counter() - 2.0  # a job that began two seconds ago
    record = provenance.collect({"data": path}, {"seed": 3}, "cpu", started=started, root=tmp_path)
    assert record["config"] == {"seed": 3}
    assert record["inputs"]["data"]["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert record["device"]["device"] == "cpu" and 2.0 <= record["wall_seconds"] < 2.0 + 30
    assert provenance.collect({}, {}, "cpu", root=tmp_path)["wall_seconds"] is None
    assert set(record["versions"]) >= {"python", "torch", "numpy", "liegg", "snakemake"}


def _records():
    def prov(config, inputs):
        return {
            "config": config,
            "inputs": inputs,
            "git": {"commit": "abc", "dirty": False},
            "versions": {"torch": "2.13.0", "python": "3.11"},
            "device": {"device": "cpu", "device_name": "x86_64"},
            "wall_seconds": 2.0,
            "finished_utc": "2026-01-01T00:00:00+00:00",
        }

    data = {"path": "results/data/d.npz", "sha256": "d" * 64, "meta": {"n_samples": 100, "seed": 0}}
    record = {
        "train_seconds": 1.5,
        "provenance": prov({"device": "auto", "seed": 1, "training": {"lr": 0.01}}, {"data": data}),
    }
    summary = {
        "extract_seconds": 0.5,
        "provenance": prov(
            {"seed": 1, "liegg": {"outputs": "each"}}, {"model": {"path": "m.pt", "sha256": "m" * 64}, "data": data}
        ),
    }
    return record, summary


def test_provenance_row_and_summary():
    record, summary = _records()
    row = reporting.provenance_row("s", "mlp-d1-w2-s1", record, summary)
    assert row["config.training.lr"] == 0.01 and row["config.device"] == "auto"
    assert row["config.liegg.outputs"] == "each" and row["config.dataset.n_samples"] == 100
    assert row["data_sha256"] == "d" * 64 and row["model_sha256"] == "m" * 64
    assert row["git_commit"] == "abc" and row["version.torch"] == "2.13.0"
    assert row["trained_as"] == ""
    reused = reporting.provenance_row("t", "mlp-d1-w2-s1", {**record, "reused_from": "s/mlp-d1-w2-s1"}, summary)
    assert reused["trained_as"] == "s/mlp-d1-w2-s1"
    items = {
        r["item"]: r["value"] for r in reporting.provenance_summary([row, {**row, "run": "b", "train_seconds": 2.5}])
    }
    assert items["runs"] == 2 and items["git commit"] == "abc"
    assert items["total training seconds (fit loops)"] == 4.0
    assert items["sha256 of results/data/d.npz"] == "d" * 64


def test_benchmark_rows_and_runtime_summary():
    text = (
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
        "2.5\t0:00:02\t300.1\t1\t1\t1\t0\t0\t90\t2.2\n"
    )
    row = reporting.benchmark_row("compute_spectrum/st/mlp-d2-w3-s0.tsv", reporting.parse_benchmark(text))
    assert row == {
        "rule": "compute_spectrum",
        "job": "st/mlp-d2-w3-s0",
        "seconds": 2.5,
        "max_rss_mb": 300.1,
        "cpu_seconds": 2.2,
    }
    missing = reporting.benchmark_row("r/x.tsv", reporting.parse_benchmark("s\tmax_rss\n1.0\tNA\n"))
    assert missing["max_rss_mb"] != missing["max_rss_mb"]  # NaN, not a crash
    (summary,) = reporting.runtime_summary([row, {**row, "seconds": 0.5}])
    assert summary["jobs"] == 2 and summary["total_seconds"] == 3.0 and summary["max_seconds"] == 2.5


def test_html_table_escapes_text_and_keeps_every_column():
    page = reporting.html_table([{"a": "<script>", "b": "0.000123456"}, {"a": "x", "c": "7"}], "t & u")
    assert "<script>" not in page.split("<body>", 1)[1]
    assert "&lt;script&gt;" in page and "t &amp; u" in page
    assert "<td>0.0001235</td>" in page and "<th>c</th>" in page
    assert '<td class="text">' + "e" * 64 + "</td>" in reporting.html_table([{"sha": "e" * 64}], "t")
