rule train_model:
    output:
        model="results/runs/{study}/{run}/model.pt",
        record="results/runs/{study}/{run}/train.json",
    input:
        data=get_dataset,
        code=library_code("scripts/train_model.py"),
    params:
        spec=get_training_spec,
        device=config["device"],
    threads: 1
    resources:
        # A job that must have a GPU asks the scheduler for one; with device auto
        # the profile decides (workflow/profiles/slurm/config.yaml, set-resources).
        gpu=int(config["device"] == "cuda"),
    log:
        "logs/train_model/{study}/{run}.log",
    benchmark:
        "results/benchmarks/train_model/{study}/{run}.tsv"
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/train_model.py"
