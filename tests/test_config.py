"""A malformed config stops before any job runs, with one message naming the key."""

import copy

import pytest
import yaml

from workflow_helpers import REPO, copy_repo, snakemake

SMOKE = yaml.safe_load((REPO / "config/smoke.yaml").read_text())


def _set(path, value):
    def edit(cfg):
        *parents, last = path
        node = cfg
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


def _add_key(cfg):
    cfg["studies"]["o5_reference"]["training"]["learning_rate"] = 0.1


def _drop_key(cfg):
    del cfg["studies"]["o5_reference"]["dataset"]["seed"]


def _drop(path):
    def edit(cfg):
        *parents, last = path
        node = cfg
        for key in parents:
            node = node[key]
        del node[last]

    return edit


STUDY = ("studies", "o5_reference")
ROT = ("studies", "rotmnist_mlp")
CASES = {
    "unknown key": (_add_key, "learning_rate"),
    "missing key": (_drop_key, "seed"),
    "wrong type": (_set((*STUDY, "training", "epochs"), "ten"), "studies.o5_reference.training.epochs"),
    "negative width": (_set((*STUDY, "model", "width"), [-32]), "studies.o5_reference.model.width[0]"),
    "empty seed list": (_set((*STUDY, "seeds"), []), "studies.o5_reference.seeds"),
    "duplicate seeds": (_set((*STUDY, "seeds"), [1, 1]), "studies.o5_reference.seeds"),
    "unknown architecture": (_set((*STUDY, "model", "arch"), "transformer"), "studies.o5_reference.model.arch"),
    "unknown task": (_set((*STUDY, "task"), "imagenet"), "studies.o5_reference.task"),
    "bad device": (_set(("device",), "tpu"), "device"),
    "zero learning rate": (_set((*STUDY, "training", "lr"), 0), "studies.o5_reference.training.lr"),
    "split larger than data": (_set((*STUDY, "dataset", "n_val"), 590), "studies.o5_reference.dataset"),
    "no studies": (_set(("studies",), {}), "studies"),
    "kernel size on an mlp": (_set((*ROT, "model", "kernel_size"), [3]), "studies.rotmnist_mlp.model.kernel_size"),
    "cnn without kernel size": (_drop(("studies", "rotmnist_cnn", "model", "kernel_size")), "kernel_size"),
    "even kernel size": (_set(("studies", "rotmnist_cnn", "model", "kernel_size"), [4]), "kernel_size"),
    "rotmnist without blur": (_drop((*ROT, "dataset", "blur_sigma")), "blur_sigma"),
    "blur on o5": (_set((*STUDY, "dataset", "blur_sigma"), 1.5), "studies.o5_reference.dataset.blur_sigma"),
    "unknown mnist source": (_set((*ROT, "dataset", "source"), "kaggle"), "studies.rotmnist_mlp.dataset.source"),
    "unknown centre": (_set((*ROT, "liegg", "action", "centre"), "middle"), "liegg.action.centre"),
    "more digits than embedded": (_set((*ROT, "dataset", "n_samples"), 20000), "dataset.n_samples"),
    "bad mirror url": (_set(("mnist_mirrors",), ["ftp.example.org"]), "mnist_mirrors[0]"),
    "accuracy monitor on o5": (_set((*STUDY, "training", "monitor"), "accuracy"), "studies.o5_reference.training.monitor"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("config"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_is_stopped_with_the_key_named(case, workdir, tmp_path):
    edit, key = CASES[case]
    cfg = copy.deepcopy(SMOKE)
    edit(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = snakemake(workdir, "--configfile", str(path), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid config" in out and key in out, out
    assert not (workdir / "results").exists()
