# Helpers of the report: what goes into `snakemake --report`, and how. No rules here.
#
# The pattern for a new figure: its rule's PNG output is `report_figure("figures/{study}_<name>.png",
# "<name>")`, its caption is workflow/report/<name>.rst, its code workflow/notebooks/<name>.py, and
# the figure is a target of get_final_output(). It then shows in the report under its study, and
# `snakemake render_notebooks` renders its executed notebook.

# Per-study tables shown in the report (rendered as HTML); each has workflow/report/table_<name>.rst.
REPORT_TABLES = ["runs", "spectra", "timings", "provenance"]
# The report's category for what concerns the whole workflow rather than one study.
WORKFLOW_CATEGORY = "Workflow summary"


def report_figure(path, name, category="{study}", label=None):
    """A figure output shown in the report under its study (or, for a figure of
    several studies, under ``category`` and labelled by ``label``, e.g.
    "{name}"), with its caption file."""
    return report(
        path,
        caption=f"../report/{name}.rst",
        category=category,
        subcategory="Figures",
        labels={"figure": label or name},
    )


def report_table(path, name):
    """A per-study table page shown in the report under its study."""
    return report(
        path,
        caption=f"../report/table_{name}.rst",
        category="{study}",
        subcategory="Tables",
        labels={"table": name},
    )


def report_workflow(path, name):
    """A page about the whole workflow (config, runtimes, provenance)."""
    return report(path, caption=f"../report/{name}.rst", category=WORKFLOW_CATEGORY, labels={"page": name})


def get_report_output():
    """The pages of the report; `rule all` builds them so `--report` finds them."""
    targets = [
        f"results/report/{study}/{table}.html" for study in config["studies"] for table in REPORT_TABLES
    ]
    targets += ["results/tables/runtimes.csv", "results/tables/provenance.csv"]
    if CLAIMS:
        targets.append("results/report/claims.html")
    if CATALOGUE:
        targets.append("results/report/catalogue.html")
    return targets + [f"results/report/{page}.html" for page in ("config", "runtimes", "provenance")]


def get_benchmark_jobs():
    """Job names (paths below results/benchmarks/<rule>/) that belong to this config:
    stale benchmark files of runs no longer configured are left out of the runtime table."""
    return sorted(
        {f"{study}/{setting}" for study, setting in SETTINGS} | set(config["studies"]) | set(DATASETS)
    )


def get_figure_notebooks():
    """Executed notebooks for every figure target `figures/<study>_<name>.png` whose code is
    workflow/notebooks/<name>.py."""
    notebooks = []
    for target in get_final_output():
        path = Path(target)
        if path.parent.name != "figures" or path.suffix != ".png":
            continue
        for study in config["studies"]:
            name = path.stem.removeprefix(f"{study}_")
            if path.stem.startswith(f"{study}_") and (ROOT / f"workflow/notebooks/{name}.py").is_file():
                notebooks.append(f"results/notebooks/{study}/{name}.ipynb")
    return sorted(set(notebooks))
