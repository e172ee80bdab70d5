# The reviewer's view: provenance and runtime tables, HTML pages of every table for
# `snakemake --report`, and executed notebooks of the figures (`snakemake render_notebooks`).


rule render_tables:
    output:
        **{name: report_table(f"results/report/{{study}}/{name}.html", name) for name in REPORT_TABLES},
    input:
        runs=rules.gather_tables.output.runs,
        spectra=rules.gather_tables.output.spectra,
        timings=rules.gather_tables.output.timings,
        provenance=rules.gather_tables.output.provenance,
        code=library_code("scripts/render_tables.py"),
    params:
        tables=REPORT_TABLES,
    log:
        "logs/render_tables/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/render_tables.py"


rule summarize_workflow:
    output:
        runtimes_csv="results/tables/runtimes.csv",
        provenance_csv="results/tables/provenance.csv",
        config=report_workflow("results/report/config.html", "config"),
        runtimes=report_workflow("results/report/runtimes.html", "runtimes"),
        provenance=report_workflow("results/report/provenance.html", "provenance"),
    input:
        # After every result but the figures: every benchmark file of this config exists by then.
        done=[target for target in get_final_output() if not target.startswith("figures/")],
        provenance=expand(rules.gather_tables.output.provenance, study=sorted(config["studies"])),
        code=library_code("scripts/summarize_workflow.py"),
    params:
        config=canonical(config),
        jobs=get_benchmark_jobs(),
        benchmarks="results/benchmarks",
    log:
        "logs/summarize_workflow/summarize_workflow.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/summarize_workflow.py"


rule render_notebook:
    output:
        notebook="results/notebooks/{study}/{notebook}.ipynb",
    input:
        source="workflow/notebooks/{notebook}.py",
        figure="figures/{study}_{notebook}.png",
        code=lambda wildcards: library_code("scripts/render_notebook.py", f"notebooks/{wildcards.notebook}.py"),
    params:
        figures=lambda wildcards: f"results/notebooks/{wildcards.study}/figures",
    log:
        "logs/render_notebook/{study}/{notebook}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/render_notebook.py"


rule render_notebooks:
    input:
        get_figure_notebooks(),


rule render_claims:
    output:
        page=report(
            "results/report/claims.html",
            caption="../report/claims.rst",
            category="Studies",
            subcategory="Claims",
            labels={"table": "claims"},
        ),
    input:
        claims=rules.build_claims.output.csv,
        code=library_code("scripts/render_claims.py"),
    log:
        "logs/render_claims/claims.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/render_claims.py"
