"""Bad data: a truncated, corrupted or swapped file gives one clear error naming
the file and how to rebuild it, and is never read as something else."""

import json
import os
import shutil

import numpy as np
import pytest
import torch

from liegg import spectrum
from liegg.study import arrays, checkpoints, files, spectra
from liegg.study.datasets import make_o5
from liegg.study.mnist import MnistDataError, load_embedded
from liegg.study.models import MLP, Standardized

from workflow_helpers import REPO

RUN = {"study": "o5_reference", "run": "mlp-d1-w4-s0"}
OTHER_RUN = {"study": "o5_reference", "run": "mlp-d1-w4-s1"}
DATASET = {"task": "o5", "id": "o5-n60-v10-t10-s0"}


def _model(seed=0, width=4):
    torch.manual_seed(seed)
    return Standardized(MLP(10, 1, width=width, depth=1), 0.0, 1.0)


def _write_dataset(path, meta=DATASET, seed=0):
    arrays.save_arrays(path, make_o5(60, 10, 10, seed=seed), meta=meta)


def _write_checkpoint(path, meta=RUN, seed=0, width=4):
    checkpoints.save_checkpoint(path, _model(seed, width), {"model": {"width": width}}, meta=meta)


def _write_spectrum(path, meta=RUN):
    spectra.save_spectrum(path, spectrum(torch.randn(30, 25, dtype=torch.float64)), meta=meta)


def _write_summary(path, meta=RUN):
    files.write_json(path, {"spec": {"seed": 0}, **meta})


KINDS = {
    # kind: (file name, writer, reader with the expectations of the workflow's scripts)
    "dataset": ("o5-n60-v10-t10-s0.npz", _write_dataset, lambda p: arrays.load_dataset(p, expect=DATASET)),
    "checkpoint": ("model.pt", _write_checkpoint, lambda p: checkpoints.load_checkpoint(p, expect=RUN)),
    "spectrum": ("spectrum.npz", _write_spectrum, lambda p: spectra.load_spectrum(p, expect=RUN)),
    "summary": ("liegg.json", _write_summary, lambda p: files.read_json(p, expect=RUN)),
}
# A valid file of each kind that does not belong where it is put.
SWAPS = {
    "dataset of another seed": ("dataset", lambda p: _write_dataset(p, {**DATASET, "id": "o5-n60-v10-t10-s1"}, 1)),
    "dataset of another task": ("dataset", lambda p: _write_dataset(p, {**DATASET, "task": "rotmnist"})),
    "dataset without meta": ("dataset", lambda p: arrays.save_arrays(p, make_o5(60, 10, 10, seed=0))),
    "checkpoint of another run": ("checkpoint", lambda p: _write_checkpoint(p, OTHER_RUN, seed=1)),
    "checkpoint of another width": ("checkpoint", lambda p: _write_checkpoint(p, OTHER_RUN, width=8)),
    "spectrum of another run": ("spectrum", lambda p: _write_spectrum(p, OTHER_RUN)),
    "spectrum in place of a dataset": ("dataset", _write_spectrum),
    "dataset in place of a spectrum": ("spectrum", _write_dataset),
    "dataset in place of a checkpoint": ("checkpoint", _write_dataset),
    "checkpoint in place of a spectrum": ("spectrum", _write_checkpoint),
    "pickled object in place of a checkpoint": ("checkpoint", lambda p: torch.save({"x": object}, p)),
    "state dict in place of a checkpoint": ("checkpoint", lambda p: torch.save(_model().state_dict(), p)),
    "checkpoint in place of a summary": ("summary", _write_checkpoint),
    "summary of another run": ("summary", lambda p: _write_summary(p, OTHER_RUN)),
}


def _damage(path, how):
    raw = path.read_bytes()
    if how == "truncated to half":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "truncated to 10 bytes":
        path.write_bytes(raw[:10])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "missing":
        path.unlink()
    elif how == "last bytes cut":
        path.write_bytes(raw[:-3])
    elif how == "zeroed middle":
        mid = len(raw) // 2
        path.write_bytes(raw[:mid] + bytes(64) + raw[mid + 64 :])
    else:
        raise ValueError(how)


DAMAGES = ["truncated to half", "truncated to 10 bytes", "empty", "missing", "last bytes cut", "zeroed middle"]


def _assert_clear(err, path):
    message = str(err.value)
    assert str(path) in message, message
    assert "rerun snakemake" in message, message
    assert "\n" not in message


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_damaged_file_raises_naming_file_and_fix(tmp_path, kind, how):
    name, write, read = KINDS[kind]
    path = tmp_path / name
    write(path)
    read(path)  # the intact file is fine
    _damage(path, how)
    with pytest.raises(files.DataFileError) as err:
        read(path)
    _assert_clear(err, path)


@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_swapped_file_is_detected(tmp_path, swap):
    kind, write_foreign = SWAPS[swap]
    name, _, read = KINDS[kind]
    path = tmp_path / name
    write_foreign(path)
    with pytest.raises(files.DataFileError) as err:
        read(path)
    _assert_clear(err, path)


def _content(kind, path):
    """What a reader hands on, in comparable form."""
    result = KINDS[kind][2](path)
    if kind == "checkpoint":
        spec, state = result
        return spec, {k: v.tolist() for k, v in state.items()}
    if kind == "spectrum":
        spec, arrays, meta = result
        return {k: np.asarray(v).tolist() for k, v in arrays.items()}, meta
    return {k: v.tolist() for k, v in result.items()}


@pytest.mark.parametrize("kind", ["dataset", "checkpoint", "spectrum"])
def test_no_flipped_byte_is_read_as_other_content(tmp_path, kind):
    """Flip bytes all over a binary file: each flip is caught, or it hit bytes
    the reader does not use (zip padding) and the content read is unchanged."""
    name, write, _ = KINDS[kind]
    path = tmp_path / name
    write(path)
    original, raw = _content(kind, path), path.read_bytes()
    caught = harmless = 0
    for pos in range(0, len(raw), max(1, len(raw) // 400)):
        flipped = bytearray(raw)
        flipped[pos] ^= 0x5A
        path.write_bytes(bytes(flipped))
        try:
            content = _content(kind, path)
        except files.DataFileError as err:
            assert str(path) in str(err)
            caught += 1
        else:
            assert content == original, f"flip at byte {pos} of {len(raw)} read as other content"
            harmless += 1
    # torch pads tensor data to 64-byte boundaries: about half of a small
    # checkpoint is padding that no reader looks at.
    assert caught > 0.4 * (caught + harmless), (caught, harmless)


def test_checkpoint_loads_without_running_code(tmp_path):
    """A pickle that would run code on load is refused (weights_only=True)."""

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    path = tmp_path / "model.pt"
    torch.save({"format": "liegg-checkpoint-1", "spec": "{}", "state_dict": Exploit()}, path)
    with pytest.raises(files.DataFileError, match="not a readable checkpoint"):
        checkpoints.load_checkpoint(path)
    assert not (tmp_path / "pwned").exists()


def test_interrupted_write_leaves_the_old_file_and_no_litter(tmp_path):
    path = tmp_path / "train.json"
    files.write_json(path, {"a": 1})
    with pytest.raises(RuntimeError):
        with files.atomic_path(path) as tmp:
            tmp.write_text('{"a": ')
            raise RuntimeError("killed")
    assert json.loads(path.read_text()) == {"a": 1}
    # The temporary file of a writer killed by SIGKILL is swept by the next writer.
    (tmp_path / ".train.json.abc123.tmp").write_text("partial")
    files.write_json(path, {"a": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.json"]


@pytest.mark.parametrize("how", ["truncated to half", "zeroed middle", "empty", "swapped"])
def test_damaged_embedded_digits_raise_naming_file_and_fix(tmp_path, how):
    path = tmp_path / "digits.npz"
    if how == "swapped":  # a valid digits file with other content
        images = np.zeros((10, 28, 28), np.uint8)
        np.savez(path, images=images, labels=np.arange(10, dtype=np.uint8))
    else:
        shutil.copyfile(REPO / "data/mnist/digits.npz", path)
        _damage(path, how)
    with pytest.raises(MnistDataError) as err:
        load_embedded(path)
    assert str(path) in str(err.value) and "git checkout" in str(err.value)
