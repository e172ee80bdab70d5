rule gather_tables:
    input:
        records=get_study_files("train.json"),
        spectra=get_study_files("spectrum.npz"),
        summaries=get_study_files("liegg.json"),
        code=library_code("scripts/gather_tables.py"),
    # runs, spectra, timings and provenance (what made each run: config values, checksums,
    # commit, versions, device, wall times), and the same four tables as pages of the report
    output:
        **{
            f"{name}_page": report_table(f"results/report/{{study}}/{name}.html", name)
            for name in REPORT_TABLES
        },
        runs="results/tables/{study}/runs.csv",
        spectra="results/tables/{study}/spectra.csv",
        timings="results/tables/{study}/timings.csv",
        provenance="results/tables/{study}/provenance.csv",
    log:
        "logs/gather_tables/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        runs=lambda wildcards: get_study_runs(wildcards.study),
        tables=REPORT_TABLES,
    script:
        "../scripts/gather_tables.py"


rule gather_layer_tables:
    input:
        records=get_study_files("train.json"),
        layers=get_study_files("layers.json"),
        code=library_code("scripts/gather_layer_tables.py"),
    output:
        layers="results/tables/{study}/layers.csv",
    log:
        "logs/gather_layer_tables/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        runs=lambda wildcards: get_study_runs(wildcards.study),
    script:
        "../scripts/gather_layer_tables.py"


rule build_claims:
    input:
        runs=[f"results/tables/{study}/runs.csv" for study in claim_studies("runs")],
        layers=[f"results/tables/{study}/layers.csv" for study in claim_studies("layers")],
        code=library_code("scripts/build_claims.py"),
    output:
        csv="results/tables/claims.csv",
        md="results/tables/claims.md",
    log:
        "logs/build_claims/claims.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        claims=canonical(CLAIMS),
        studies=claim_studies("runs"),
        layer_studies=claim_studies("layers"),
    script:
        "../scripts/build_claims.py"


rule build_catalogue:
    input:
        runs=[f"results/tables/{study}/runs.csv" for study in CATALOGUE],
        spectra=[f"results/tables/{study}/spectra.csv" for study in CATALOGUE],
        code=library_code("scripts/build_catalogue.py"),
    output:
        csv="results/tables/catalogue.csv",
        md="results/tables/catalogue.md",
        page=report(
            "results/report/catalogue.html",
            caption="../report/catalogue_table.rst",
            category="Studies",
            subcategory="Catalogue",
            labels={"table": "catalogue"},
        ),
    log:
        "logs/build_catalogue/catalogue.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=CATALOGUE,
    script:
        "../scripts/build_catalogue.py"
