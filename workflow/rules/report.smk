# The reviewer's view: provenance and runtime tables, HTML pages of every table for
# `snakemake --report`, and executed notebooks of the figures (`snakemake render_notebooks`).


rule summarize_workflow:
    input:
        # After every result but the figures: every benchmark file of this config exists by then.
        done=[
            target
            for target in get_final_output()
            if not target.startswith(("figures/", "results/tutorial/"))
        ],
        provenance=expand(rules.gather_tables.output.provenance, study=sorted(config["studies"])),
        code=library_code("scripts/summarize_workflow.py"),
    output:
        runtimes_csv="results/tables/runtimes.csv",
        provenance_csv="results/tables/provenance.csv",
        config=report_workflow("results/report/config.html", "config"),
        runtimes=report_workflow("results/report/runtimes.html", "runtimes"),
        provenance=report_workflow("results/report/provenance.html", "provenance"),
    log:
        "logs/summarize_workflow/summarize_workflow.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        config=canonical(config),
        jobs=get_benchmark_jobs(),
        benchmarks="results/benchmarks",
    script:
        "../scripts/summarize_workflow.py"


rule render_notebook:
    input:
        source="workflow/notebooks/{notebook}.py",
        figure="figures/{study}_{notebook}.png",
        code=lambda wildcards: library_code(
            "scripts/render_notebook.py", f"notebooks/{wildcards.notebook}.py"
        ),
    output:
        notebook="results/notebooks/{study}/{notebook}.ipynb",
    log:
        "logs/render_notebook/{study}/{notebook}.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        figures=lambda wildcards: f"results/notebooks/{wildcards.study}/figures",
    script:
        "../scripts/render_notebook.py"


rule render_notebooks:
    input:
        get_figure_notebooks(),


rule render_claims:
    input:
        claims=rules.build_claims.output.csv,
        code=library_code("scripts/render_claims.py"),
    output:
        page=report(
            "results/report/claims.html",
            caption="../report/claims.rst",
            category="Studies",
            subcategory="Claims",
            labels={"table": "claims"},
        ),
    log:
        "logs/render_claims/claims.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/render_claims.py"


rule render_tutorial:
    input:
        source="workflow/notebooks/own_model.py",
        code=library_code("scripts/render_tutorial.py", "notebooks/own_model.py"),
    output:
        notebook="results/tutorial/own_model.ipynb",
        png=report_figure("figures/own_model.png", "own_model", category="Tutorial", label="own_model"),
    log:
        "logs/render_tutorial/own_model.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        steps=config.get("tutorial", {}).get("steps", 3000),
    script:
        "../scripts/render_tutorial.py"
