# One training job per setting of a study: its seeds train together (liegg.study.training),
# each into its own run folder. A rule per study, since each has its own list of seeds;
# set-resources/set-threads under `train` in a profile apply to all of them.
# A setting that another study trains identically (common.smk: SHARED) is not trained
# twice: rule reuse_<study> copies that training's weights and records.
# (The rules' indentation is part of what Snakemake compares to decide that code changed.)

for study in [s for s in config["studies"] if trained_settings(s)]:

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
            setting=setting_constraint(trained_settings(study)),
        # On many cores the longest trainings (a CNN setting's) start first.
        priority: training_priority(study)
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


for study in [s for s in config["studies"] if shared_settings(s)]:

    rule:
        name:
            f"reuse_{study}"
        input:
            models=get_shared_files(study, "model.pt"),
            records=get_shared_files(study, "train.json"),
            code=library_code("scripts/reuse_runs.py"),
        output:
            models=group_outputs(study, "model.pt"),
            records=group_outputs(study, "train.json"),
        log:
            f"logs/reuse/{study}/{{setting}}.log",
        wildcard_constraints:
            setting=setting_constraint(shared_settings(study)),
        # A copy: cheap enough for the submitting host on a cluster.
        localrule: True
        conda:
            "../../envs/liegg.yaml"
        params:
            study=study,
            runs=get_setting_runs(study),
            sources=get_shared_runs(study),
        script:
            "../scripts/reuse_runs.py"
