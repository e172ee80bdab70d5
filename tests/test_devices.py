"""Which device ran: the records say it; on CUDA the training data stay on the device."""

import os
import subprocess
import sys
import warnings

import pytest
import torch

from liegg.study.datasets import make_o5
from liegg.study.devices import resolve_device
from liegg.study.extraction import extract_run
from liegg.study.runs import train_run
from liegg.study.training import fit

from workflow_helpers import copy_repo, snakemake

SPEC = {
    "task": "o5",
    "seed": 0,
    "model": {"arch": "mlp", "depth": 1, "width": 8},
    "training": {"epochs": 2, "batch_size": 50, "lr": 0.003, "weight_decay": 0.0},
    "liegg": {"split": "val", "outputs": "each", "normalize": False, "chunk_size": 16},
}


@pytest.fixture
def cuda():
    """Skip without a CUDA device, or fail when LIEGG_REQUIRE_CUDA=1 (set by
    benchmarks/gpu_study.py on a GPU machine, where a skip would hide a broken device path)."""
    if not torch.cuda.is_available():
        if os.environ.get("LIEGG_REQUIRE_CUDA") == "1":
            pytest.fail("LIEGG_REQUIRE_CUDA=1 but torch sees no CUDA device")
        pytest.skip("no CUDA device")


def test_auto_is_the_cpu_without_cuda_and_cuda_with_it():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_training_and_extraction_records_name_the_device():
    data = make_o5(200, 50, 50, seed=0)
    model, record = train_run(data, SPEC, torch.device("cpu"))
    _, _, summary = extract_run(model, data, SPEC, "cpu")
    assert record["device"] == "cpu" and summary["device"] == "cpu"


def test_extraction_on_cuda_matches_the_cpu(cuda):
    data = make_o5(200, 50, 50, seed=0)
    model, _ = train_run(data, SPEC, torch.device("cpu"))
    cpu, _, _ = extract_run(model, data, SPEC, "cpu")
    cuda, _, summary = extract_run(model, data, SPEC, "cuda")
    assert summary["device"].startswith("cuda")
    scale = float(cpu.variances[-1])
    torch.testing.assert_close(cuda.variances, cpu.variances, atol=1e-4 * scale, rtol=0)


def _syncs_during_fit(batch_size: int) -> int:
    """Host-device synchronisations while fitting 2 epochs on CUDA."""
    torch.manual_seed(0)
    x = torch.randn(400, 10, device="cuda")
    y = x.pow(2).sum(dim=1, keepdim=True)
    model = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).cuda()
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit(model, (x[:300], y[:300]), (x[300:], y[300:]), loss="mse", epochs=2, batch_size=batch_size,
                lr=1e-3, weight_decay=0.0, seed=0)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    return sum("synchroniz" in str(w.message) for w in caught)


def test_training_on_cuda_does_not_synchronise_per_batch(cuda):
    # 1 batch per epoch against 30: the number of syncs must not grow with the batches.
    assert _syncs_during_fit(batch_size=300) == _syncs_during_fit(batch_size=10)


def test_requiring_cuda_turns_the_skip_into_a_failure():
    """What benchmarks/gpu_study.py relies on: with the switch set, no CUDA device fails."""
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the CUDA tests run")
    env = {**os.environ, "LIEGG_REQUIRE_CUDA": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k",
                           "extraction_on_cuda"], env=env, capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 1 and "LIEGG_REQUIRE_CUDA=1 but torch sees no CUDA device" in proc.stdout, proc.stdout


@pytest.mark.slow
def test_device_cuda_without_a_gpu_stops_before_any_job(tmp_path):
    """`device: cuda` where the jobs would run on this machine and it has no GPU: one message,
    at the start, and no job runs (a cluster's submit host is not checked)."""
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    workdir = copy_repo(tmp_path / "repo")
    proc = snakemake(workdir, "--configfile", "config/smoke.yaml", "--config", "device=cuda", check=False)
    assert proc.returncode != 0
    assert "invalid config at 'device': 'cuda', but torch sees no CUDA device" in proc.stdout + proc.stderr
    assert not (workdir / "results").exists()
