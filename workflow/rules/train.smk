# One training job per setting of a study: its seeds train together (liegg.study.training),
# each into its own run folder. A rule per study, since each has its own list of seeds;
# set-resources/set-threads under `train` in a profile apply to all of them.

for study in config["studies"]:

    rule:
        name:
            f"train_{study}"
        input:
            data=dataset_file(study),
            code=library_code("scripts/train_models.py"),
        output:
            models=group_outputs(study, "model.pt"),
            records=group_outputs(study, "train.json"),
        log:
            f"logs/train/{study}/{{setting}}.log",
        benchmark:
            f"results/benchmarks/train/{study}/{{setting}}.tsv"
        wildcard_constraints:
            setting=setting_constraint(study),
        conda:
            "../../envs/liegg.yaml"
        threads: family_threads("train")
        resources:
            # A job that must have a GPU asks the scheduler for one; with device auto
            # the profile decides (profiles/slurm/config.yaml, set-resources).
            **family_resources("train", gpu=int(config["device"] == "cuda")),
        params:
            study=study,
            specs=get_training_specs(study),
            runs=get_setting_runs(study),
            device=config["device"],
        script:
            "../scripts/train_models.py"
