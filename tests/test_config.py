"""A malformed config stops before any job runs, with one message naming the key.

The cases call the validator in-process; one Snakemake run shows that its
message reaches the user and that no job starts.
"""

import copy

import pytest
import yaml

from liegg.study.config import ConfigError, validate_config

from workflow_helpers import REPO, copy_repo, load_script, snakemake

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"

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


def _rename_study(cfg):
    cfg["studies"]["O5-Ref"] = cfg["studies"].pop("o5_reference")


def _add_top_level_key(cfg):
    cfg["devices"] = "cpu"


STUDY = ("studies", "o5_reference")
ROT = ("studies", "rotmnist_mlp")
S = "studies.o5_reference"
# case: (edit, the key the message must name, what it must say is allowed)
CASES = {
    "unknown key": (_add_key, "learning_rate", "allowed keys: batch_size, checkpoint_every, epochs, lr"),
    "missing key": (_drop_key, "seed", "is a required property"),
    "wrong type": (_set((*STUDY, "training", "epochs"), "ten"), f"{S}.training.epochs", "not of type 'integer'"),
    "negative width": (_set((*STUDY, "model", "width"), [-32]), f"{S}.model.width[0]", "minimum of 1"),
    "empty seed list": (_set((*STUDY, "seeds"), []), f"{S}.seeds", "should be non-empty"),
    "duplicate seeds": (_set((*STUDY, "seeds"), [1, 1]), f"{S}.seeds", "non-unique elements"),
    "unknown architecture": (_set((*STUDY, "model", "arch"), "transformer"), f"{S}.model.arch", "is not one of ["),
    "unknown task": (_set((*STUDY, "task"), "imagenet"), f"{S}.task", "is not one of ["),
    "bad device": (_set(("device",), "tpu"), "device", "is not one of ['auto', 'cpu', 'cuda']"),
    "zero learning rate": (_set((*STUDY, "training", "lr"), 0), f"{S}.training.lr", "minimum of 0"),
    "split larger than data": (_set((*STUDY, "dataset", "n_val"), 590), f"{S}.dataset", "must be smaller than"),
    "no studies": (_set(("studies",), {}), "studies", "should be non-empty"),
    "batch size zero": (_set((*STUDY, "training", "batch_size"), 0), f"{S}.training.batch_size", "minimum of 1"),
    "fractional sample count": (
        _set((*STUDY, "dataset", "n_samples"), 600.5), f"{S}.dataset.n_samples", "not of type 'integer'"
    ),
    "unknown liegg split": (_set((*STUDY, "liegg", "split"), "holdout"), f"{S}.liegg.split", "'all', 'train'"),
    "unknown output mode": (_set((*STUDY, "liegg", "outputs"), "mean"), f"{S}.liegg.outputs", "['each', 'sum']"),
    "text for a boolean": (_set((*ROT, "liegg", "normalize"), "yes"), "liegg.normalize", "'boolean'"),
    "zero chunk size": (_set((*STUDY, "liegg", "chunk_size"), 0), f"{S}.liegg.chunk_size", "minimum of 1"),
    "empty depth grid": (_set((*STUDY, "model", "depth"), []), f"{S}.model.depth", "should be non-empty"),
    "duplicate widths": (_set((*STUDY, "model", "width"), [16, 16]), f"{S}.model.width", "non-unique elements"),
    "grid given as a number": (_set((*STUDY, "model", "depth"), 2), f"{S}.model.depth", "not of type 'array'"),
    "negative weight decay": (
        _set((*STUDY, "training", "weight_decay"), -0.1), f"{S}.training.weight_decay", "minimum of 0"
    ),
    "learning rate as text": (_set((*STUDY, "training", "lr"), "3e-3"), f"{S}.training.lr", "not of type 'number'"),
    "negative seed": (_set((*STUDY, "seeds"), [0, -1]), f"{S}.seeds[1]", "minimum of 0"),
    "negative checkpoint interval": (
        _set((*STUDY, "training", "checkpoint_every"), -5), f"{S}.training.checkpoint_every", "minimum of 0"
    ),
    "bad study name": (_rename_study, "O5-Ref", "does not match"),
    "unknown top-level key": (_add_top_level_key, "devices", "allowed keys: catalogue, claims, device, figures, mnist_mirrors, studies, tutorial"),
    "kernel size on an mlp": (_set((*ROT, "model", "kernel_size"), [3]), "studies.rotmnist_mlp.model.kernel_size", "does not apply to this task or architecture"),
    "cnn without kernel size": (_drop(("studies", "rotmnist_cnn", "model", "kernel_size")), "kernel_size", "'kernel_size' is a required property"),
    "even kernel size": (_set(("studies", "rotmnist_cnn", "model", "kernel_size"), [4]), "kernel_size", "kernel sizes must be odd"),
    "rotmnist without blur": (_drop((*ROT, "dataset", "blur_sigma")), "blur_sigma", "'blur_sigma' is a required property"),
    "blur on o5": (_set((*STUDY, "dataset", "blur_sigma"), 1.5), "studies.o5_reference.dataset.blur_sigma", "does not apply to this task or architecture"),
    "unknown mnist source": (_set((*ROT, "dataset", "source"), "kaggle"), "dataset.source", "['embedded', 'download']"),
    "unknown centre": (_set((*ROT, "liegg", "action", "centre"), "middle"), "liegg.action.centre", "['true', 'authors']"),
    "more digits than embedded": (_set((*ROT, "dataset", "n_samples"), 20000), "dataset.n_samples", "use source: download"),
    "bad mirror url": (_set(("mnist_mirrors",), ["ftp.example.org"]), "mnist_mirrors[0]", "does not match '^(https?|file)://'"),
    "accuracy monitor on o5": (_set((*STUDY, "training", "monitor"), "accuracy"), "studies.o5_reference.training.monitor", "the only allowed value is 'loss'"),
    "normalised outputs of a regression": (_set((*STUDY, "liegg", "normalize"), True), f"{S}.liegg.normalize", "y/|y| = +-1"),
    # the paper's studies: training-set size, regimes, figures and claims
    "epochs and sample budget": (_set((*STUDY, "training", "sample_budget"), 1000), f"{S}.training", "exactly one of epochs and sample_budget"),
    "neither epochs nor sample budget": (_drop((*STUDY, "training", "epochs")), f"{S}.training", "exactly one of epochs and sample_budget"),
    "more training samples than the split": (
        _set(("studies", "o5_data_size", "training", "n_train"), [250, 5000]), "studies.o5_data_size.training.n_train", "training split has 500"
    ),
    "regime on a cnn": (_set(("studies", "rotmnist_cnn", "training", "regime"), ["layerwise"]), "studies.rotmnist_cnn.training.regime[0]", "the only allowed value is 'end_to_end'"),
    "layers on a cnn": (_set(("studies", "rotmnist_cnn", "liegg", "layers"), True), "liegg.layers", "the only allowed value is False"),
    "unknown regime": (_set(("studies", "rotmnist_layers", "training", "regime"), ["pretrained"]), "studies.rotmnist_layers.training.regime[0]", "is not one of ['end_to_end'"),
    "figure of an unknown study": (_set(("figures", "o5_capacity", "studies"), ["o5_gird"]), "figures.o5_capacity.studies", "no study 'o5_gird'"),
    "layers figure without per-layer LieGG": (_set(("figures", "layers", "studies"), ["o5_grid"]), "figures.layers.studies", "set its liegg.layers: true"),
    "unknown figure kind": (_set(("figures", "layers", "kind"), "violin"), "figures.layers.kind", "is not one of ['capacity'"),
    "figure name taken by the workflow": (_set(("figures", "rotmnist_spectra"), {"kind": "capacity", "studies": ["o5_grid"]}), "figures.rotmnist_spectra", "the name is taken"),
    "trend claim without its setting": (_drop(("claims", 1, "against")), "claims[1]", "'against' is a required property"),
    "claim of an unknown study": (_set(("claims", 0, "studies"), ["nope"]), "claims[0].studies", "no study 'nope'"),
    "share above one": (_set(("claims", 0, "at_least"), 1.5), "claims[0].at_least", "maximum of 1"),
    # a claim that names no column of its table stops at parse time, not after the run
    "claim measure misspelt": (_set(("claims", 1, "measure"), "lamda_min"), "claims[1]", "no column 'lamda_min'"),
    "claim setting misspelt": (_set(("claims", 2, "against"), "ntrain"), "claims[2]", "no column 'ntrain'"),
    "layer claim measure of runs only": (_set(("claims", 3, "measure"), "test_accuracy"), "claims[3]",
                                         "no column 'test_accuracy' in its layers table"),
    "agreement of an unknown candidate": (_set(("claims", 6, "candidates"), ["so2", "so3"]), "claims[6]",
                                          "no column 'rel_var_so3'"),
    "agreement without candidates": (_drop(("claims", 6, "candidates")), "claims[6]", "'candidates' is a required"),
    "duplicate claim id": (_set(("claims", 2, "id"), "mlp_lambda_vs_parameters"), "claims[2].id", "used twice"),
    # the catalogue: new tasks, shifted digits, the catalogue and the tutorial
    "misspelt new task": (_set((*STUDY, "task"), "lorenz"), f"{S}.task", "is not one of ['o5', 'lorentz'"),
    "shift on a vector task": (_set((*STUDY, "dataset", "translate"), 2), f"{S}.dataset.translate", "does not apply"),
    "shift with scaling": (_set(("studies", "mnist_shifted_mlp", "dataset", "scale"), [0.7, 1.4]),
                           "studies.mnist_shifted_mlp.dataset.scale", "does not apply"),
    "zero shift": (_set(("studies", "mnist_shifted_mlp", "dataset", "translate"), 0),
                   "studies.mnist_shifted_mlp.dataset.translate", "less than or equal to the minimum of 0"),
    "normalised Lorentz outputs": (_set(("studies", "lorentz_mlp", "liegg"),  # its own copy, not the shared anchor
                                        {**SMOKE["studies"]["lorentz_mlp"]["liegg"], "normalize": True}),
                                   "studies.lorentz_mlp.liegg.normalize", "normalize"),
    "catalogue of an unknown study": (_set(("catalogue",), ["o5_reference", "nope"]), "catalogue", "no study 'nope'"),
    "shifted digits in the controls figure": (_set(("figures", "controls", "studies"), ["mnist_shifted_mlp"]),
                                              "figures.controls.studies", "list it in catalogue instead"),
    "figure named catalogue": (_set(("figures", "catalogue"), {"kind": "capacity", "studies": ["o5_grid"]}),
                               "figures.catalogue", "the name is taken"),
    "tutorial without steps": (_set(("tutorial",), {}), "tutorial", "'steps' is a required property"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_is_refused_with_the_key_named(case):
    edit, key, allowed = CASES[case]
    cfg = copy.deepcopy(SMOKE)
    edit(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg, SCHEMA)
    message = str(err.value)
    assert message.startswith("invalid config at") and key in message and allowed in message, message


@pytest.mark.parametrize("name", ["smoke.yaml", "config.yaml", "large.yaml"])
def test_shipped_configs_are_valid(name):
    validate_config(yaml.safe_load((REPO / "config" / name).read_text()), SCHEMA)


@pytest.mark.slow
def test_snakemake_stops_before_any_job_with_one_message(tmp_path):
    workdir = copy_repo(tmp_path / "repo")
    edit, key, allowed = CASES["negative width"]
    cfg = copy.deepcopy(SMOKE)
    edit(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = snakemake(workdir, "--configfile", str(path), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert out.count("invalid config") == 1 and key in out and allowed in out, out
    assert not (workdir / "results").exists()


def _config_readme_module():
    return load_script("workflow/schemas/config_readme.py")


def test_config_readme_documents_every_key_of_the_schema():
    module = _config_readme_module()
    assert module.main(["--check"]) == 0, "config/README.md is out of date: python workflow/schemas/config_readme.py"
    text = (REPO / "config/README.md").read_text()
    for key in ("studies.<study>.training.schedule", "studies.<study>.dataset.scale", "claims[].expected", "device"):
        assert f"| `{key}` |" in text


def test_a_schema_edit_without_the_readme_fails_the_check(tmp_path, monkeypatch):
    module = _config_readme_module()
    schema = yaml.safe_load(SCHEMA.read_text())
    schema["properties"]["verbosity"] = {"type": "integer", "description": "A new key nobody documented."}
    edited = tmp_path / "config.schema.yaml"
    edited.write_text(yaml.safe_dump(schema))
    monkeypatch.setattr(module, "SCHEMA", edited)
    assert module.main(["--check"]) == 1
    assert "| `verbosity` | integer |  | A new key nobody documented. |" in module.render()


def test_the_schema_names_the_regimes_and_precisions_the_code_knows():
    from liegg.study.names import REGIMES
    from liegg.study.training import PRECISIONS

    schema = yaml.safe_load(SCHEMA.read_text())
    assert tuple(schema["$defs"]["regime"]["enum"]) == REGIMES
    training = schema["$defs"]["study"]["properties"]["training"]["properties"]
    assert training["precision"]["enum"] == [*PRECISIONS, "auto"]
