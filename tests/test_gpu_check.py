"""benchmarks/gpu_check.py: the no-GPU message, and its comparison on two CPU runs."""

import math
import subprocess
import sys

import pytest
import torch

from workflow_helpers import REPO, load_script

SCRIPT = REPO / "benchmarks/gpu_check.py"


def _module():
    return load_script("benchmarks/gpu_check.py")


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


def _spectrum(variances, generators):
    from liegg import Spectrum

    v = torch.as_tensor(variances, dtype=torch.float64)
    return Spectrum(v.sqrt(), v, generators, rows=1)


def test_the_comparisons_tell_agreeing_from_disagreeing_devices():
    """A perturbed copy of a spectrum on each side of each tolerance: the agree and the
    disagree branch of both checks."""
    module = _module()
    basis = torch.eye(4, dtype=torch.float64).reshape(4, 2, 2)
    reference = _spectrum([0.01, 0.5, 0.8, 1.0], basis)
    for compare, tol in ((module.compare_extraction, module.TOL_EXTRACT), (module.compare_training, module.TOL_TRAIN)):
        for factor, agrees in ((0.5, True), (2.0, False)):
            shifted = _spectrum([0.01 + factor * tol, 0.5, 0.8, 1.0], basis)  # lambda_max = 1: d = factor * tol
            assert compare(shifted, reference, 1)[2] is agrees, (compare.__name__, factor)
        angle = math.acos(1 - 2 * tol)  # the first generator tilted out of the 1-block: overlap 1 - 2 tol
        tilted = basis.clone()
        tilted[0] = math.cos(angle) * basis[0] + math.sin(angle) * basis[1]
        d, overlap, ok = compare(_spectrum([0.01, 0.5, 0.8, 1.0], tilted), reference, 1)
        assert d == 0 and overlap == pytest.approx(1 - 2 * tol) and not ok
        assert compare(_spectrum([0.01, 0.5, 0.8, 1.0], tilted), reference, 2)[2]  # inside the 2-block
