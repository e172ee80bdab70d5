rule plot_spectrum:
    input:
        spectra=rules.gather_tables.output.spectra,
        runs=rules.gather_tables.output.runs,
        code=library_code("notebooks/spectrum.py"),
    output:
        pdf="figures/{study}_spectrum.pdf",
        png=report_figure("figures/{study}_spectrum.png", "spectrum"),
    log:
        "logs/plot_spectrum/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/spectrum.py"


rule plot_rotmnist_spectra:
    input:
        spectra=expand("results/tables/{study}/spectra.csv", study=ROTMNIST_STUDIES),
        runs=expand("results/tables/{study}/runs.csv", study=ROTMNIST_STUDIES),
        code=library_code("notebooks/rotmnist_spectra.py"),
    output:
        pdf="figures/rotmnist_spectra.pdf",
        png=report_figure("figures/rotmnist_spectra.png", "rotmnist_spectra", category="Rotation MNIST"),
    log:
        "logs/plot_rotmnist_spectra/rotmnist.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=ROTMNIST_STUDIES,
    script:
        "../notebooks/rotmnist_spectra.py"


rule plot_rotmnist_generators:
    input:
        spectra=get_first_run_files("spectrum.npz"),
        data=[f"results/data/{dataset_id(s)}.npz" for s in ROTMNIST_STUDIES],
        code=library_code("notebooks/rotmnist_generators.py"),
    output:
        pdf="figures/rotmnist_generators.pdf",
        png=report_figure("figures/rotmnist_generators.png", "rotmnist_generators", category="Rotation MNIST"),
    log:
        "logs/plot_rotmnist_generators/rotmnist.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=ROTMNIST_STUDIES,
        runs=[get_study_runs(s)[0] for s in ROTMNIST_STUDIES],
    script:
        "../notebooks/rotmnist_generators.py"


# Figures of several studies, named in the config's `figures:` section.
rule plot_capacity:
    input:
        runs=get_figure_tables("runs"),
        code=library_code("notebooks/capacity.py"),
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "capacity", category="Studies", label="{name}"),
    log:
        "logs/plot_capacity/{name}.log",
    wildcard_constraints:
        name=figure_names("capacity"),
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=get_figure_studies,
    script:
        "../notebooks/capacity.py"


rule plot_data_size:
    input:
        runs=get_figure_tables("runs"),
        code=library_code("notebooks/data_size.py"),
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "data_size", category="Studies", label="{name}"),
    log:
        "logs/plot_data_size/{name}.log",
    wildcard_constraints:
        name=figure_names("data_size"),
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=get_figure_studies,
    script:
        "../notebooks/data_size.py"


rule plot_layers:
    input:
        layers=get_figure_tables("layers"),
        code=library_code("notebooks/layers.py"),
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "layers", category="Studies", label="{name}"),
    log:
        "logs/plot_layers/{name}.log",
    wildcard_constraints:
        name=figure_names("layers"),
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=get_figure_studies,
    script:
        "../notebooks/layers.py"


rule plot_controls:
    input:
        runs=get_figure_tables("runs"),
        spectra=get_figure_tables("spectra"),
        first_spectra=lambda wildcards: [
            f"results/runs/{s}/{get_study_runs(s)[0]}/spectrum.npz" for s in get_figure_studies(wildcards)
        ],
        data=lambda wildcards: [dataset_file(s) for s in get_figure_studies(wildcards)],
        code=library_code("notebooks/controls.py"),
    output:
        pdf="figures/{name}.pdf",
        png=report_figure("figures/{name}.png", "controls", category="Studies", label="{name}"),
    log:
        "logs/plot_controls/{name}.log",
    wildcard_constraints:
        name=figure_names("controls"),
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=get_figure_studies,
    script:
        "../notebooks/controls.py"


rule plot_controls_finite:
    input:
        runs=get_figure_tables("runs"),
        code=library_code("notebooks/controls_finite.py"),
    output:
        pdf="figures/{name}_finite.pdf",
        png=report_figure(
            "figures/{name}_finite.png", "controls_finite", category="Studies", label="{name}_finite"
        ),
    log:
        "logs/plot_controls_finite/{name}.log",
    wildcard_constraints:
        name=figure_names("controls"),
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=get_figure_studies,
    script:
        "../notebooks/controls_finite.py"


rule plot_catalogue:
    input:
        catalogue=rules.build_catalogue.output.csv,
        spectra=[f"results/tables/{study}/spectra.csv" for study in CATALOGUE],
        code=library_code("notebooks/catalogue.py"),
    output:
        pdf="figures/catalogue.pdf",
        png=report_figure("figures/catalogue.png", "catalogue", category="Studies", label="catalogue"),
    log:
        "logs/plot_catalogue/catalogue.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        studies=CATALOGUE,
    script:
        "../notebooks/catalogue.py"
