rule plot_spectrum:
    output:
        pdf="figures/{study}_spectrum.pdf",
        png=report_figure("figures/{study}_spectrum.png", "spectrum"),
    input:
        spectra=rules.gather_tables.output.spectra,
        runs=rules.gather_tables.output.runs,
        code=library_code("notebooks/spectrum.py"),
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
        code=library_code("notebooks/rotmnist_spectra.py"),
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
        code=library_code("notebooks/rotmnist_generators.py"),
    params:
        studies=ROTMNIST_STUDIES,
        runs=[get_study_runs(s)[0] for s in ROTMNIST_STUDIES],
    log:
        "logs/plot_rotmnist_generators/rotmnist.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/rotmnist_generators.py"


# Figures of several studies, named in the config's `figures:` section.
rule plot_capacity:
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "capacity", category="Studies", label="{name}"),
    input:
        runs=get_figure_tables("runs"),
        code=library_code("notebooks/capacity.py"),
    params:
        studies=get_figure_studies,
    wildcard_constraints:
        name=figure_names("capacity"),
    log:
        "logs/plot_capacity/{name}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/capacity.py"


rule plot_data_size:
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "data_size", category="Studies", label="{name}"),
    input:
        runs=get_figure_tables("runs"),
        code=library_code("notebooks/data_size.py"),
    params:
        studies=get_figure_studies,
    wildcard_constraints:
        name=figure_names("data_size"),
    log:
        "logs/plot_data_size/{name}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/data_size.py"


rule plot_layers:
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "layers", category="Studies", label="{name}"),
    input:
        layers=get_figure_tables("layers"),
        code=library_code("notebooks/layers.py"),
    params:
        studies=get_figure_studies,
    wildcard_constraints:
        name=figure_names("layers"),
    log:
        "logs/plot_layers/{name}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/layers.py"
