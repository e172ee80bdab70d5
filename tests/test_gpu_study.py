"""benchmarks/gpu_study.py: its comparison with the committed CPU tables, on both sides of the
seed range (the GPU run itself needs a GPU machine)."""

import shutil

from liegg.study import files

from workflow_helpers import REPO, load_script

REFERENCE = REPO / "benchmarks/cpu_reference"


def _module():
    return load_script("benchmarks/gpu_study.py")


def test_the_cpu_reference_holds_every_study_of_the_default_config():
    import yaml

    studies = yaml.safe_load((REPO / "config/config.yaml").read_text())["studies"]
    assert sorted(p.name for p in REFERENCE.iterdir() if (p / "runs.csv").is_file()) == sorted(studies)


def test_a_run_outside_the_cpu_seed_range_is_counted(tmp_path, capsys):
    study = "rotmnist_cnn"
    shutil.copytree(REFERENCE, tmp_path / "tables")
    gpu_study = _module()
    gpu_study.compare(tmp_path / "tables", REFERENCE)
    same = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith(f"{study}:")]
    assert "largest |d test_accuracy| 0.0000" in same[0] and "3 of 3 inside" in same[0], same
    rows = files.read_rows(REFERENCE / study / "runs.csv")
    low = min(r["test_accuracy"] for r in rows)
    rows[0]["test_accuracy"] = low - 0.05  # below the CPU seeds' range, by more than 0.01
    files.write_csv(tmp_path / "tables" / study / "runs.csv", rows)
    shutil.rmtree(tmp_path / "tables" / "o5_grid")
    gpu_study.compare(tmp_path / "tables", REFERENCE)
    out = capsys.readouterr().out
    (moved,) = [line for line in out.splitlines() if line.strip().startswith(f"{study}:")]
    assert "2 of 3 inside" in moved and "largest |d test_accuracy| 0.05" in moved, moved
    assert "o5_grid: not finished" in out
