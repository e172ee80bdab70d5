rule compute_spectrum:
    output:
        spectrum="results/runs/{study}/{run}/spectrum.npz",
        summary="results/runs/{study}/{run}/liegg.json",
    input:
        model=rules.train_model.output.model,
        record=rules.train_model.output.record,
        data=get_dataset,
        code=code(
            "actions", "polarization", "spectrum", "metrics", "groups", "extraction", "runs", "models", "io", "images"
        ),
    params:
        settings=get_liegg_settings,
    threads: 1
    log:
        "logs/compute_spectrum/{study}/{run}.log",
    benchmark:
        "results/benchmarks/compute_spectrum/{study}/{run}.tsv"
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/compute_spectrum.py"
