"""benchmarks/gpu_check.py: the no-GPU message, and its comparison on two CPU runs."""

import importlib.util
import subprocess
import sys

import pytest
import torch
from workflow_helpers import REPO

SCRIPT = REPO / "benchmarks/gpu_check.py"


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present, so the no-GPU path is not taken")
def test_says_clearly_that_no_cuda_device_is_present():
    proc = _run()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no CUDA device is present" in proc.stdout


def test_two_cpu_runs_agree_exactly(tmp_path):
    proc = _run("--config", str(REPO / "config/smoke.yaml"), "--devices", "cpu,cpu", "--runs", "1", "--epochs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "|d lambda_min|/lambda_max 0.00e+00, overlap 1.000000" in proc.stdout
    assert "devices agree" in proc.stdout


def test_span_overlap_is_one_inside_the_span_and_zero_outside(dtype):
    span_overlap = _module().span_overlap
    basis = torch.linalg.qr(torch.randn(9, 9, dtype=dtype))[0].T.reshape(9, 3, 3)
    inside = (0.6 * basis[0] + 0.8 * basis[2])
    assert span_overlap(inside, basis, 3) == pytest.approx(1.0, abs=1e-6)
    assert span_overlap(basis[5], basis, 3) == pytest.approx(0.0, abs=1e-6)
