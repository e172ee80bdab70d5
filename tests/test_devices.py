"""Which device ran: the records say it; on CUDA the training data stay on the device."""

import warnings

import pytest
import torch

from liegg.study.datasets import make_o5
from liegg.study.extraction import extract_run
from liegg.study.runs import train_run
from liegg.study.devices import resolve_device
from liegg.study.training import fit

SPEC = {
    "task": "o5",
    "seed": 0,
    "model": {"arch": "mlp", "depth": 1, "width": 8},
    "training": {"epochs": 2, "batch_size": 50, "lr": 0.003, "weight_decay": 0.0},
    "liegg": {"split": "val", "outputs": "each", "normalize": False, "chunk_size": 16},
}
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def test_auto_is_the_cpu_without_cuda_and_cuda_with_it():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_training_and_extraction_records_name_the_device():
    data = make_o5(200, 50, 50, seed=0)
    model, record = train_run(data, SPEC, torch.device("cpu"))
    _, _, summary = extract_run(model, data, SPEC, "cpu")
    assert record["device"] == "cpu" and summary["device"] == "cpu"


@needs_cuda
def test_extraction_on_cuda_matches_the_cpu():
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


@needs_cuda
def test_training_on_cuda_does_not_synchronise_per_batch():
    # 1 batch per epoch against 30: the number of syncs must not grow with the batches.
    assert _syncs_during_fit(batch_size=300) == _syncs_during_fit(batch_size=10)
