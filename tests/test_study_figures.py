"""The study figures (capacity, data size, layers) drawn from synthetic runs/layers tables.

Each notebook runs as the workflow runs it (a ``snakemake`` object in its
globals) or by hand (paths from the repository root), in this process.
"""

import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from liegg.study import files
from liegg.study.aggregate import REGIMES, seed_bands, study_measures
from liegg.study.plotting import REGIME_COLORS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "workflow" / "notebooks"
SEEDS = (0, 1, 2)
SPREAD = {0: 0.9, 1: 1.0, 2: 1.1}  # seed s scales every measure: seed mean = base, min 0.9, max 1.1 base


def n_parameters(n_in, n_out, depth, width, kernel=None):
    if kernel is not None:  # a CNN: channels x kernel area per layer, linear head
        return (depth - 1) * width * width * kernel * kernel + width * kernel * kernel + width * n_out
    return n_in * width + (depth - 1) * width * width + width * n_out


def lam(params, depth):
    """The base (seed-mean) lambda_min of a setting: falls with the parameter count."""
    return 10.0 / params * depth


def run_rows(study, task, arch, depths, widths, kernels=(None,), n_trains=(1000,)):
    rows = []
    n_in, n_out = (784, 10) if task == "rotmnist" else (10, 1)
    algebra_dim = 1 if task == "rotmnist" else 10
    for depth in depths:
        for width in widths:
            for kernel in kernels:
                for n_train in n_trains:
                    for seed in SEEDS:
                        p = n_parameters(n_in, n_out, depth, width, kernel)
                        f = SPREAD[seed]
                        base = lam(p, depth) * 1000 / n_train
                        row = {"study": study, "run": f"{arch}-d{depth}-w{width}-s{seed}", "task": task,
                               "arch": arch, "depth": depth, "width": width}
                        if kernel is not None:
                            row["kernel_size"] = kernel
                        row.update(regime="end_to_end", n_train=n_train, seed=seed, n_parameters=p,
                                   best_epoch=3, val_loss=0.5 * f, test_loss=0.4 * f)
                        if task == "rotmnist":
                            row.update(val_accuracy=0.8 * f, test_accuracy=0.79 * f)
                        row.update(
                            lambda_min=base * f,
                            rel_lambda_min=0.3 * base * f,
                            bias_of_lambda_min=0.05 * depth * f,
                            bias_min=0.01,
                            algebra_dim=algebra_dim,
                            lambda_k=7 * base * f,
                            rel_lambda_k=2 * base * f,
                            gap_ratio=100.0,
                            bias_block_k=0.02 * depth * f,
                            rows=512,
                        )
                        rows.append(row)
    return rows


def layer_rows(study, depth=4):
    rows = []
    for r, regime in enumerate(REGIMES):
        for seed in SEEDS:
            for layer in range(1, depth + 1):
                f = SPREAD[seed]
                rows.append(
                    {
                        "study": study,
                        "run": f"mlp-d{depth}-w32-{regime}-s{seed}",
                        "task": "rotmnist",
                        "arch": "mlp",
                        "depth": depth,
                        "width": 32,
                        "regime": regime,
                        "n_train": 1000,
                        "seed": seed,
                        "layer": layer,
                        "rows": 256,
                        "lambda_min": 10.0 ** -(r + layer) * f,
                        "rel_lambda_min": 3 * 10.0 ** -(r + layer) * f,
                        "lambda_max": 1.0,
                        "bias_of_lambda_min": 0.1 * (r + 1) * f,
                        "bias_min": 0.01,
                        "algebra_dim": 1,
                        "lambda_k": 10.0 ** -(r + layer) * f,
                        "gap_ratio": 10.0,
                        "bias_block_k": 0.1 * (r + 1) * f,
                    }
                )
    return rows


def write_table(root, study, name, rows):
    path = root / "results" / "tables" / study / name
    files.write_csv(path, rows)
    return path


def run_notebook(name, tmp_path, monkeypatch, studies, tables, key="runs"):
    """Run a notebook as the workflow does, with a fake ``snakemake`` object."""
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # the notebook sends stderr to its log
    out = tmp_path / "figures"
    fake = SimpleNamespace(
        input=SimpleNamespace(**{key: [str(t) for t in tables]}),
        output=SimpleNamespace(pdf=str(out / f"{name}.pdf"), png=str(out / f"{name}.png")),
        params=SimpleNamespace(studies=list(studies)),
        log=[str(tmp_path / "logs" / f"{name}.log")],
        wildcards=SimpleNamespace(name=name),
    )
    (tmp_path / "logs").mkdir(exist_ok=True)
    result = runpy.run_path(str(NOTEBOOKS / f"{name}.py"), init_globals={"snakemake": fake})
    sys.stderr.close()
    return result, out / f"{name}.pdf", out / f"{name}.png"


def assert_figure_files(pdf, png):
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000


def panel_lines(ax):
    """(label, x, y) of the mean lines drawn in one panel."""
    return [(line.get_label(), np.asarray(line.get_xdata()), np.asarray(line.get_ydata())) for line in ax.get_lines()]


# --- the aggregation -------------------------------------------------------------------------


def test_seed_bands_give_mean_min_max_over_seeds_per_setting():
    table = io_table(run_rows("s", "rotmnist", "mlp", depths=[1, 3], widths=[16, 64]))
    bands = seed_bands(table, "n_parameters", "lambda_min", lines=("depth", "kernel_size"))
    assert [band.line for band in bands] == [(("depth", 1),), (("depth", 3),)]
    for band in bands:
        depth = band.line[0][1]
        expected = np.array(sorted(n_parameters(784, 10, depth, w) for w in (16, 64)))
        np.testing.assert_array_equal(band.x, expected)
        np.testing.assert_allclose(band.mean, lam(expected, depth), rtol=1e-12)
        np.testing.assert_allclose(band.low, 0.9 * lam(expected, depth), rtol=1e-12)
        np.testing.assert_allclose(band.high, 1.1 * lam(expected, depth), rtol=1e-12)
        assert band.n_seeds.tolist() == [3, 3]


def test_seed_bands_refuse_two_settings_in_one_point():
    table = io_table(run_rows("s", "rotmnist", "cnn", depths=[2], widths=[8], kernels=(3, 5)))
    table["n_parameters"][:] = 100  # both kernels at one x: without kernel_size they would be pooled
    with pytest.raises(ValueError, match="same seed at n_parameters=100"):
        seed_bands(table, "n_parameters", "lambda_min", lines=("depth",))
    assert len(seed_bands(table, "n_parameters", "lambda_min", lines=("depth", "kernel_size"))) == 2


def test_study_measures_pick_the_so5_block_for_o5_and_accuracy_for_rotmnist():
    o5 = io_table(run_rows("o", "o5", "mlp", depths=[1], widths=[8]))
    rot = io_table(run_rows("r", "rotmnist", "mlp", depths=[1], widths=[8]))
    assert study_measures(o5) == {
        "lambda": "lambda_k",
        "relative": "rel_lambda_k",
        "bias": "bias_block_k",
        "k": 10,
        "scores": ["test_loss"],
    }
    assert study_measures(rot)["lambda"] == "lambda_min"
    assert study_measures(rot)["scores"] == ["val_accuracy", "test_accuracy"]


def io_table(rows):
    """Rows as the columns read_table returns (via a CSV round trip would be the same)."""
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


# --- the notebooks ---------------------------------------------------------------------------


def test_capacity_figure_draws_seed_means_per_depth_and_kernel(tmp_path, monkeypatch):
    mlp = write_table(tmp_path, "rot_mlp", "runs.csv", run_rows("rot_mlp", "rotmnist", "mlp", [1, 3], [16, 64]))
    cnn = write_table(
        tmp_path, "rot_cnn", "runs.csv", run_rows("rot_cnn", "rotmnist", "cnn", [2, 4], [8, 16], kernels=(3, 5))
    )
    result, pdf, png = run_notebook("capacity", tmp_path, monkeypatch, ["rot_mlp", "rot_cnn"], [mlp, cnn])
    assert_figure_files(pdf, png)
    axes = result["axes"]
    assert axes.shape == (2, 4)
    # MLP row: one line per depth, at the seed mean of lambda_min; then the relative variance.
    lines = panel_lines(axes[0, 0])
    assert [label for label, _, _ in lines] == ["depth 1", "depth 3"]
    for (_, x, y), depth in zip(lines, (1, 3)):
        np.testing.assert_allclose(y, lam(x, depth), rtol=1e-12)
    assert axes[0, 0].get_yscale() == "log" and axes[0, 0].get_xscale() == "log"
    for (_, x, y), depth in zip(panel_lines(axes[0, 1]), (1, 3)):
        np.testing.assert_allclose(y, 0.3 * lam(x, depth), rtol=1e-12)
    assert axes[0, 0].get_ylabel().startswith("absolute") and axes[0, 1].get_ylabel().startswith("relative")
    bias = panel_lines(axes[0, 2])
    np.testing.assert_allclose(bias[1][2], [0.15, 0.15], rtol=1e-12)
    # Accuracy: validation and test per depth.
    assert len(axes[0, 3].get_lines()) == 4
    # CNN row: one line per (depth, kernel).
    labels = [label for label, _, _ in panel_lines(axes[1, 0])]
    assert labels == [
        "depth 2 kernel_size 3",
        "depth 2 kernel_size 5",
        "depth 4 kernel_size 3",
        "depth 4 kernel_size 5",
    ]
    assert axes[1, 0].get_title(loc="left") == "rot_cnn: rotmnist, cnn"


def test_capacity_figure_of_o5_plots_lambda_10_and_test_mse(tmp_path, monkeypatch):
    o5 = write_table(tmp_path, "o5", "runs.csv", run_rows("o5", "o5", "mlp", [1, 2], [16, 32, 64]))
    result, pdf, png = run_notebook("capacity", tmp_path, monkeypatch, ["o5"], [o5])
    assert_figure_files(pdf, png)
    axes = result["axes"]
    for (_, x, y), depth in zip(panel_lines(axes[0, 0]), (1, 2)):
        np.testing.assert_allclose(y, 7 * lam(x, depth), rtol=1e-12)  # lambda_k, not lambda_min
    assert r"\lambda_{10}" in axes[0, 0].get_ylabel()
    assert "block bias of the 10" in axes[0, 2].get_ylabel()
    assert "test MSE" in axes[0, 3].get_ylabel()
    np.testing.assert_allclose(panel_lines(axes[0, 3])[0][2], [0.4] * 3, rtol=1e-12)


def test_data_size_figure_draws_one_line_per_architecture_against_n_train(tmp_path, monkeypatch):
    n_trains = (500, 2000, 8000)
    o5 = write_table(tmp_path, "o5_n", "runs.csv", run_rows("o5_n", "o5", "mlp", [2], [32], n_trains=n_trains))
    rot = write_table(
        tmp_path, "rot_n", "runs.csv", run_rows("rot_n", "rotmnist", "mlp", [1, 2], [32], n_trains=n_trains)
    )
    result, pdf, png = run_notebook("data_size", tmp_path, monkeypatch, ["o5_n", "rot_n"], [o5, rot])
    assert_figure_files(pdf, png)
    axes = result["axes"]
    ((label, x, y),) = panel_lines(axes[0, 0])
    assert x.tolist() == list(n_trains)
    np.testing.assert_allclose(y, 7 * lam(n_parameters(10, 1, 2, 32), 2) * 1000 / x, rtol=1e-12)
    assert [label for label, _, _ in panel_lines(axes[1, 0])] == ["depth 1", "depth 2"]
    assert axes[1, 0].get_xlabel() == "training samples (log)"


def test_layers_figure_draws_the_regimes_in_fixed_order_and_colours(tmp_path, monkeypatch):
    layers = write_table(tmp_path, "rot_layers", "layers.csv", layer_rows("rot_layers"))
    result, pdf, png = run_notebook("layers", tmp_path, monkeypatch, ["rot_layers"], [layers], key="layers")
    assert_figure_files(pdf, png)
    axes = result["axes"]
    lines = axes[0, 0].get_lines()
    assert [line.get_label() for line in lines] == ["regime end_to_end", "regime autoencoder", "regime layerwise"]
    for r, (line, regime) in enumerate(zip(lines, REGIMES)):
        assert line.get_color() == REGIME_COLORS[regime]
        layer = np.asarray(line.get_xdata())
        assert layer.tolist() == [1, 2, 3, 4]
        np.testing.assert_allclose(line.get_ydata(), 10.0 ** -(r + layer), rtol=1e-12)
    np.testing.assert_allclose(axes[0, 1].get_lines()[2].get_ydata(), 3 * 10.0 ** -(2 + layer), rtol=1e-12)
    np.testing.assert_allclose(axes[0, 2].get_lines()[2].get_ydata(), [0.3] * 4, rtol=1e-12)


def test_a_missing_column_is_one_error_naming_the_file_and_the_column(tmp_path, monkeypatch):
    rows = [{k: v for k, v in row.items() if k != "lambda_k"} for row in run_rows("o5", "o5", "mlp", [1], [8])]
    path = write_table(tmp_path, "o5", "runs.csv", rows)
    with pytest.raises(files.DataFileError, match=r"o5/runs.csv: has no column 'lambda_k'"):
        run_notebook("capacity", tmp_path, monkeypatch, ["o5"], [path])
    assert not (tmp_path / "figures").exists()


def test_notebooks_run_by_hand_from_the_repository_tables(tmp_path, monkeypatch):
    (tmp_path / "Snakefile").write_text("")
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text("figures:\n  o5_capacity: {kind: capacity, studies: [mine_o5]}\n")
    write_table(tmp_path, "rotmnist_layers", "layers.csv", layer_rows("rotmnist_layers"))
    write_table(tmp_path, "mine", "runs.csv", run_rows("mine", "rotmnist", "mlp", [1], [8, 16]))
    write_table(tmp_path, "mine_o5", "runs.csv", run_rows("mine_o5", "o5", "mlp", [1], [8, 16]))
    (tmp_path / "workflow").mkdir()
    monkeypatch.chdir(tmp_path / "workflow")  # opened from a subfolder, as Jupyter does
    for name in ("LIEGG_FIGURE", "LIEGG_FIGURES", "LIEGG_STUDIES"):
        monkeypatch.delenv(name, raising=False)
    # Defaults: the layers figure of the default config's study.
    runpy.run_path(str(NOTEBOOKS / "layers.py"))
    assert_figure_files(tmp_path / "figures/layers.pdf", tmp_path / "figures/layers.png")
    # A configured figure by name: its studies come from config/config.yaml.
    monkeypatch.setenv("LIEGG_FIGURE", "o5_capacity")
    result = runpy.run_path(str(NOTEBOOKS / "capacity.py"))
    assert result["studies"] == ["mine_o5"]
    assert_figure_files(tmp_path / "figures/o5_capacity.pdf", tmp_path / "figures/o5_capacity.png")
    # Studies and output folder from the environment.
    monkeypatch.delenv("LIEGG_FIGURE")
    monkeypatch.setenv("LIEGG_STUDIES", "mine")
    monkeypatch.setenv("LIEGG_FIGURES", str(tmp_path / "elsewhere"))
    runpy.run_path(str(NOTEBOOKS / "capacity.py"))
    assert_figure_files(tmp_path / "elsewhere/rotmnist_capacity.pdf", tmp_path / "elsewhere/rotmnist_capacity.png")


# --- captions --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["capacity", "data_size", "layers"])
def test_caption_renders_with_the_figure_studies(kind):
    """The caption renders as snakemake --report renders it (Jinja, then reStructuredText)."""
    jinja2 = pytest.importorskip("jinja2")
    core = pytest.importorskip("docutils.core")
    yaml = pytest.importorskip("yaml")
    root = NOTEBOOKS.parents[1]
    config = yaml.safe_load((root / "config/config.yaml").read_text())
    studies = ["rotmnist_mlp", "rotmnist_cnn"] if kind != "layers" else ["rotmnist_mlp"]
    config["figures"] = {f"my_{kind}": {"kind": kind, "studies": studies}}
    fake = SimpleNamespace(config=config, wildcards=SimpleNamespace(name=f"my_{kind}"))
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    text = env.from_string((root / f"workflow/report/{kind}.rst").read_text()).render(snakemake=fake)
    html = core.publish_parts(text, writer="html", settings_overrides={"halt_level": 2})["body"]
    for study in studies:
        assert study in html
    assert f"workflow/notebooks/{kind}.py" in html and "What to see" in html
    if kind == "capacity":
        assert "kernel size 3" in html


def test_same_tables_give_the_same_figure_bytes(tmp_path, monkeypatch):
    o5 = write_table(tmp_path, "o5", "runs.csv", run_rows("o5", "o5", "mlp", [1, 2], [16, 32]))
    _, pdf, png = run_notebook("capacity", tmp_path, monkeypatch, ["o5"], [o5])
    first = pdf.read_bytes(), png.read_bytes()
    run_notebook("capacity", tmp_path, monkeypatch, ["o5"], [o5])
    assert (pdf.read_bytes(), png.read_bytes()) == first
