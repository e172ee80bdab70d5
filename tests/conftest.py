import time

import pytest
import torch

from workflow_helpers import FLAGS, SMOKE, copy_repo, snakemake


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state."""
    torch.manual_seed(0)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


class SmokeRun:
    """A copy of the repository after one complete smoke run, and how long it took."""

    def __init__(self, workdir, seconds):
        self.workdir, self.seconds = workdir, seconds


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> SmokeRun:
    """The smoke workflow, run once per test session. Tests read it; a test that
    edits files, damages them or runs jobs works on ``clone(smoke_run.workdir, ...)``
    (or restores every file and its mtime, as ``workflow_helpers.edited`` does)."""
    workdir = copy_repo(tmp_path_factory.mktemp("smoke"))
    start = time.perf_counter()
    snakemake(workdir, *SMOKE, *FLAGS)
    return SmokeRun(workdir, time.perf_counter() - start)
