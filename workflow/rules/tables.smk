rule gather_tables:
    output:
        runs="results/tables/{study}/runs.csv",
        spectra="results/tables/{study}/spectra.csv",
        timings="results/tables/{study}/timings.csv",
    input:
        records=get_study_files("train.json"),
        spectra=get_study_files("spectrum.npz"),
        summaries=get_study_files("liegg.json"),
        code=code("tables", "io"),
    params:
        runs=lambda wildcards: get_study_runs(wildcards.study),
    log:
        "logs/gather_tables/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/gather_tables.py"
