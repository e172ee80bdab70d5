rule gather_tables:
    output:
        runs="results/tables/{study}/runs.csv",
        spectra="results/tables/{study}/spectra.csv",
        timings="results/tables/{study}/timings.csv",
        # what made each run (config values, checksums, commit, versions, device, wall times)
        provenance="results/tables/{study}/provenance.csv",
    input:
        records=get_study_files("train.json"),
        spectra=get_study_files("spectrum.npz"),
        summaries=get_study_files("liegg.json"),
        code=library_code("scripts/gather_tables.py"),
    params:
        runs=lambda wildcards: get_study_runs(wildcards.study),
    log:
        "logs/gather_tables/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/gather_tables.py"


rule gather_layer_tables:
    output:
        layers="results/tables/{study}/layers.csv",
    input:
        records=get_study_files("train.json"),
        layers=get_study_files("layers.json"),
        code=library_code("scripts/gather_layer_tables.py"),
    params:
        runs=lambda wildcards: get_study_runs(wildcards.study),
    log:
        "logs/gather_layer_tables/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/gather_layer_tables.py"


rule build_claims:
    output:
        csv="results/tables/claims.csv",
        md="results/tables/claims.md",
    input:
        runs=[f"results/tables/{study}/runs.csv" for study in claim_studies("runs")],
        layers=[f"results/tables/{study}/layers.csv" for study in claim_studies("layers")],
        code=library_code("scripts/build_claims.py"),
    params:
        claims=canonical(CLAIMS),
        studies=claim_studies("runs"),
        layer_studies=claim_studies("layers"),
    log:
        "logs/build_claims/claims.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/build_claims.py"
