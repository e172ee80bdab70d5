rule compute_spectrum:
    output:
        spectrum="results/runs/{study}/{run}/spectrum.npz",
        summary="results/runs/{study}/{run}/liegg.json",
    input:
        model=rules.train_model.output.model,
        record=rules.train_model.output.record,
        data=get_dataset,
        code=library_code("scripts/compute_spectrum.py"),
    params:
        settings=get_liegg_settings,
        device=config["device"],
    threads: 1
    resources:
        # A job that must have a GPU asks the scheduler for one; with device auto
        # the profile decides (workflow/profiles/slurm/config.yaml, set-resources).
        gpu=int(config["device"] == "cuda"),
    log:
        "logs/compute_spectrum/{study}/{run}.log",
    benchmark:
        "results/benchmarks/compute_spectrum/{study}/{run}.tsv"
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/compute_spectrum.py"


rule compute_layer_spectra:
    output:
        layers="results/runs/{study}/{run}/layers.json",
    input:
        model=rules.train_model.output.model,
        record=rules.train_model.output.record,
        data=get_dataset,
        code=library_code("scripts/compute_layer_spectra.py"),
    params:
        settings=get_liegg_settings,
        device=config["device"],
    threads: 1
    resources:
        gpu=int(config["device"] == "cuda"),
    log:
        "logs/compute_layer_spectra/{study}/{run}.log",
    benchmark:
        "results/benchmarks/compute_layer_spectra/{study}/{run}.tsv"
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/compute_layer_spectra.py"
