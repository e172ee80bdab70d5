rule plot_spectrum:
    output:
        pdf="figures/{study}_spectrum.pdf",
        png=report_figure("figures/{study}_spectrum.png", "spectrum"),
    input:
        spectra=rules.gather_tables.output.spectra,
        runs=rules.gather_tables.output.runs,
        code=code("plotting"),
    log:
        "logs/plot_spectrum/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/spectrum.py"


rule plot_rotmnist_spectra:
    output:
        pdf="figures/rotmnist_spectra.pdf",
        png=report_figure("figures/rotmnist_spectra.png", "rotmnist_spectra", category="Rotation MNIST"),
    input:
        spectra=expand("results/tables/{study}/spectra.csv", study=ROTMNIST_STUDIES),
        runs=expand("results/tables/{study}/runs.csv", study=ROTMNIST_STUDIES),
        code=code("plotting"),
    params:
        studies=ROTMNIST_STUDIES,
    log:
        "logs/plot_rotmnist_spectra/rotmnist.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/rotmnist_spectra.py"


rule plot_rotmnist_generators:
    output:
        pdf="figures/rotmnist_generators.pdf",
        png=report_figure("figures/rotmnist_generators.png", "rotmnist_generators", category="Rotation MNIST"),
    input:
        spectra=get_first_run_files("spectrum.npz"),
        data=[f"results/data/{dataset_id(s)}.npz" for s in ROTMNIST_STUDIES],
        code=code("plotting", "images", "groups", "actions", "io"),
    params:
        studies=ROTMNIST_STUDIES,
        runs=[get_study_runs(s)[0] for s in ROTMNIST_STUDIES],
    log:
        "logs/plot_rotmnist_generators/rotmnist.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/rotmnist_generators.py"
