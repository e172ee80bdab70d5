"""The reviewer's view after a smoke run: the HTML report in a real browser, provenance
of every record and table, executed notebooks, and the README's figure table."""

import base64
import csv
import hashlib
import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest
import torch
import yaml

from browser import Browser, find_chromium
from workflow_helpers import REPO, SMOKE, clone, copy_repo, planned_jobs, snakemake

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "results" / "ci"
# What docutils writes into a page, or prints, when a caption is malformed reStructuredText.
DOCUTILS_MESSAGE = re.compile(
    r"System Message|\((?:INFO|WARNING|ERROR|SEVERE)/[0-4]\)|\b(?:WARNING|ERROR|SEVERE)/[0-4]\b"
)


@pytest.fixture(scope="module")
def report_run(smoke_run):
    """The session's smoke run after `snakemake --report report.html`, and what the command printed."""
    workdir = smoke_run.workdir
    proc = snakemake(workdir, *SMOKE, "--report", "report.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(workdir / "report.html", ARTIFACTS / "report.html")
    return workdir, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def smoke_report(report_run):
    return report_run[0]


def test_the_report_renders_without_docutils_messages(report_run):
    """A malformed caption (e.g. an empty config value that breaks an indented list) shows
    as a 'System Message' box in the page and a docutils warning on the terminal."""
    workdir, output = report_run
    assert not DOCUTILS_MESSAGE.search(output), DOCUTILS_MESSAGE.search(output)
    results = embedded(workdir, "results")
    text = (workdir / "report.html").read_text()
    pages = [text] + [entry.get("caption", "") for entry in results.values()]
    for page in pages:
        match = DOCUTILS_MESSAGE.search(page)
        assert match is None, page[max(0, match.start() - 300) : match.end() + 300]


def smoke_config(workdir):
    return yaml.safe_load((workdir / "config/smoke.yaml").read_text())


def embedded(workdir, name):
    """A JSON variable (``var <name> = ...;``) the report's page embeds."""
    text = (workdir / "report.html").read_text()
    match = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', text, re.DOTALL)
    return json.loads(match.group(1))


def png_size(path):
    """(width, height) from a PNG's header."""
    header = Path(path).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- the report in headless Chromium -----------------------------------------------------

CLICK_IN_MENU = """(text) => {
  const hits = [...document.querySelectorAll('#app nav a')].filter(e => e.textContent.trim() === text);
  if (hits.length) hits[0].click();
  return hits.length;
}"""

CLICK_VIEW = """(label) => {
  const row = [...document.querySelectorAll('#app nav table tbody tr')]
    .find(r => r.querySelector('td').textContent.trim() === label);
  if (!row) return false;
  row.querySelector('a[iconname="eye"]').click();
  return true;
}"""

SHOWN_IMAGE = """(src) => new Promise(resolve => {
  const img = [...document.querySelectorAll('#app img')].find(i => i.getAttribute('src') === src);
  if (!img) return resolve(null);
  const done = () => resolve([img.naturalWidth, img.naturalHeight]);
  img.complete ? done() : (img.onload = done, img.onerror = done);
})"""


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("LIEGG_REQUIRE_BROWSER") == "1":  # set by .ci/run, which installs chromium
            pytest.fail("LIEGG_REQUIRE_BROWSER=1 but chromium is missing; apt-get install chromium")
        pytest.skip("chromium not installed (apt-get install chromium; LIEGG_REQUIRE_BROWSER=1 makes this fail)")
    with Browser(executable) as b:
        yield b


def test_report_lists_every_figure_and_its_image_loads(smoke_report, browser):
    figures = sorted(p.relative_to(smoke_report).as_posix() for p in smoke_report.glob("figures/*.png"))
    assert figures, "the smoke run made no figures"
    browser.open((smoke_report / "report.html").as_uri())
    browser.wait_for(
        "document.querySelector('#app nav') && document.querySelector('#app nav').textContent.includes('Results')"
    )
    categories = browser.evaluate("categories")
    results = browser.evaluate("results")
    for figure in figures:
        # A study's own figure sits under the study; a figure of several studies under its group.
        study = next((c for c, subs in categories.items() if figure in subs.get("Figures", [])), None)
        assert study is not None, f"{figure} is under no category's Figures"
        entry = results[figure]
        assert entry["mime_type"] == "image/png" and "What to see" in entry["caption"]
        # Navigate as a reader would: home, the study, its figures, the eye button of the figure.
        browser.evaluate("app.setView({navbarMode: 'menu', content: 'rulegraph'})")
        assert browser.evaluate(f"({CLICK_IN_MENU})({study!r})") == 1, f"no menu entry for {study}"
        label = entry["labels"]["figure"]
        # A category with figures only lists them at once; one with tables too has a Figures entry.
        has_row = (
            f"[...document.querySelectorAll('#app nav table tbody tr')].some(r => r.textContent.includes({label!r}))"
        )
        browser.wait_for(f"document.querySelector('#app nav').textContent.includes('Figures') || {has_row}")
        browser.evaluate(f"({CLICK_IN_MENU})('Figures')")
        browser.wait_for(f"({CLICK_VIEW})({label!r})")
        size = browser.wait_for(f"({SHOWN_IMAGE})({entry['data_uri']!r})")
        assert size == list(png_size(smoke_report / figure)), f"{figure} shown at natural size {size}"
        assert size[0] > 0 and size[1] > 0
    browser.screenshot(ARTIFACTS / "report_screenshot.png")
    assert png_size(ARTIFACTS / "report_screenshot.png") == (1400, 900)


def test_report_holds_the_tables_config_runtimes_and_provenance(smoke_report):
    categories, results = embedded(smoke_report, "categories"), embedded(smoke_report, "results")
    config = smoke_config(smoke_report)
    for study in config["studies"]:
        tables = categories[study]["Tables"]
        assert tables == sorted(
            f"results/report/{study}/{t}.html" for t in ("provenance", "runs", "spectra", "timings")
        )
    summary = {Path(p).stem for p in categories["Workflow summary"]["Other"]}
    assert summary == {"config", "runtimes", "provenance"}
    # the figures of several studies and the claims table have a category of their own
    finite = [f"{name}_finite" for name, figure in config["figures"].items() if figure["kind"] == "controls"]
    assert categories["Studies"]["Figures"] == sorted(
        f"figures/{name}.png" for name in [*config["figures"], *finite, "catalogue"]
    )
    assert categories["Studies"]["Claims"] == ["results/report/claims.html"]
    assert categories["Studies"]["Catalogue"] == ["results/report/catalogue.html"]
    assert categories["Tutorial"]["Figures"] == ["figures/own_model.png"]

    def page(path):
        return base64.b64decode(results[path]["data_uri"].split("base64,", 1)[1]).decode()

    study, settings = next(iter(config["studies"].items()))
    assert f"lr: {settings['training']['lr']}" in page("results/report/config.html")
    runtimes = page("results/report/runtimes.html")
    assert "train" in runtimes and "compute_spectra" in runtimes
    assert "unknown" in page("results/report/provenance.html")  # the copy is not a git checkout
    caption = results[f"figures/{study}_spectrum.png"]["caption"]
    assert f"{settings['dataset']['n_samples']} samples" in caption
    assert f"{settings['training']['epochs']} epochs" in caption


# --- provenance ----------------------------------------------------------------------------


def test_every_record_carries_its_provenance(smoke_report):
    config = smoke_config(smoke_report)
    study, settings = next(iter(config["studies"].items()))
    runs = sorted((smoke_report / "results/runs" / study).iterdir())
    assert len(runs) == len(settings["seeds"])
    for run in runs:
        train = json.loads((run / "train.json").read_text())["provenance"]
        data = smoke_report / train["inputs"]["data"]["path"]
        assert train["inputs"]["data"]["sha256"] == sha256(data)
        assert train["inputs"]["data"]["meta"]["n_samples"] == settings["dataset"]["n_samples"]
        assert train["config"]["training"] == settings["training"] and train["config"]["device"] == config["device"]
        assert train["git"] == {"commit": "unknown", "dirty": "unknown"}
        assert train["versions"]["torch"] == torch.__version__
        assert train["device"]["device"] == "cpu" and train["wall_seconds"] > 0
        liegg = json.loads((run / "liegg.json").read_text())["provenance"]
        assert liegg["inputs"]["model"]["sha256"] == sha256(run / "model.pt")
        assert liegg["config"]["liegg"] == settings["liegg"]


def test_provenance_and_runtime_tables(smoke_report):
    config = smoke_config(smoke_report)
    study, settings = next(iter(config["studies"].items()))
    with open(smoke_report / f"results/tables/{study}/provenance.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["config.seed"]) for r in rows] == sorted(settings["seeds"])
    for row in rows:
        assert float(row["config.training.lr"]) == settings["training"]["lr"]
        assert int(row["config.dataset.n_samples"]) == settings["dataset"]["n_samples"]
        assert row["data_sha256"] == sha256(smoke_report / row["data_path"])
        assert row["git_commit"] == "unknown" and row["version.torch"] == torch.__version__
    with open(smoke_report / "results/tables/runtimes.csv") as fh:
        runtimes = list(csv.DictReader(fh))
    jobs = {(r["rule"], r["job"]) for r in runtimes}
    for row in rows:  # training: one job per setting (the run less its seed); extraction: per study
        assert ("train", f"{study}/{row['run'].rsplit('-s', 1)[0]}") in jobs
    assert ("compute_spectra", study) in jobs
    assert all(float(r["seconds"]) > 0 for r in runtimes)


def test_stale_benchmarks_stay_out_of_the_runtime_table(smoke_report, tmp_path):
    workdir = clone(smoke_report, tmp_path / "copy")
    stale = workdir / "results/benchmarks/train/o5_reference/mlp-d9-w9.tsv"
    shutil.copy2(next((workdir / "results/benchmarks/train/o5_reference").glob("*.tsv")), stale)
    (workdir / "results/tables/runtimes.csv").unlink()
    snakemake(workdir, *SMOKE)
    assert "mlp-d9-w9" not in (workdir / "results/tables/runtimes.csv").read_text()


# --- notebooks -------------------------------------------------------------------------------


def test_figure_notebook_runs_by_hand_after_a_run(smoke_report, tmp_path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    workdir = clone(smoke_report, tmp_path / "copy")
    figure = workdir / "figures/o5_reference_spectrum.png"
    figure.unlink()
    notebook = jupytext.read(workdir / "workflow/notebooks/spectrum.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIEGG_")}
    # Opened from its own folder, as Jupyter does: it finds the repository root itself.
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir / "workflow/notebooks")}},
    )
    old_env = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    assert png_size(figure)[0] > 100
    shown = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in shown), "the notebook does not show its figure"


def test_render_notebooks_keeps_executed_copies_and_leaves_the_figures(smoke_report, tmp_path):
    pytest.importorskip("nbclient")
    workdir = clone(smoke_report, tmp_path / "copy")
    before = {p: p.stat().st_mtime_ns for p in (workdir / "figures").iterdir()}
    snakemake(workdir, "render_notebooks", *SMOKE)
    executed = json.loads((workdir / "results/notebooks/o5_reference/spectrum.ipynb").read_text())
    outputs = [o for cell in executed["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert png_size(workdir / "results/notebooks/o5_reference/figures/o5_reference_spectrum.png")[0] > 100
    assert {p: p.stat().st_mtime_ns for p in (workdir / "figures").iterdir()} == before
    assert planned_jobs(workdir, *SMOKE) == {}


# --- README ----------------------------------------------------------------------------------


def readme_figure_rows():
    """(figure paths, rule, config keys) of each row of the README's figure table."""
    text = (REPO / "docs/reproducing.md").read_text()
    section = text.split("\n## Figures", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        paths = re.findall(r"`(figures/[^`]+)`", line)
        if line.startswith("|") and paths:
            cells = [c.strip() for c in line.strip("|").split("|")]
            keys = re.findall(r"`((?:studies|figures|tutorial)\.[^`]+|catalogue)`", cells[2])
            rows.append((paths, cells[1].strip("`"), keys))
    return rows


def test_readme_figures_are_targets_of_the_dag(tmp_path):
    rows = readme_figure_rows()
    assert rows, "the README's figure table is missing"
    workdir = copy_repo(tmp_path)
    proc = snakemake(workdir, "-n")
    out = proc.stdout + proc.stderr
    all_inputs = re.search(r"(?:local)?rule all:\n\s+input: (.*)\n", out).group(1).split(", ")
    # Which rule the plan has writing each output, read off the same dry run's job blocks.
    made_by = {}
    for rule, outputs in re.findall(r"^(?:local)?rule (\w+):\n(?:\s+input: .*\n)?\s+output: (.*)$", out, re.M):
        made_by.update(dict.fromkeys(outputs.split(", "), rule))
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    for paths, rule, keys in rows:
        for path in paths:
            assert path in all_inputs, f"docs figure {path} is not a target of `snakemake`"
            assert made_by.get(path) == rule, f"docs say {rule} makes {path}; the plan has {made_by.get(path)}"
        assert keys, f"docs row of {paths} names no config keys"
        for key in keys:
            node = config
            for part in key.split("."):
                assert part in node, f"docs config key {key} is not in config/config.yaml"
                node = node[part]
