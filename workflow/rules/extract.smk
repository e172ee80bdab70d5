# LieGG of the runs of an MLP study in one job: their extraction is quick next to the
# start-up of a job (importing torch). A CNN study has a job per setting, which starts as
# soon as that setting is trained: on many cores one job for all of a CNN grid's networks
# would wait for the slowest setting and then hold up every table after it.

for study in config["studies"]:

    rule:
        name:
            f"compute_spectra_{study}"
        input:
            models=extraction_files(study, "model.pt"),
            records=extraction_files(study, "train.json"),
            data=dataset_file(study),
            code=library_code("scripts/compute_spectra.py"),
        output:
            spectra=extraction_files(study, "spectrum.npz"),
            summaries=extraction_files(study, "liegg.json"),
        log:
            f"logs/compute_spectra/{extraction_job(study)}.log",
        benchmark:
            f"results/benchmarks/compute_spectra/{extraction_job(study)}.tsv"
        wildcard_constraints:
            setting=setting_constraint(study_settings(study)),
        conda:
            "../../envs/liegg.yaml"
        threads: family_threads("compute_spectra")
        resources:
            **family_resources("compute_spectra", gpu=int(config["device"] == "cuda")),
        params:
            study=study,
            runs=extraction_runs(study),
            settings=get_liegg_settings(study),
            dataset=DATASETS[dataset_id(study)],
            device=config["device"],
        script:
            "../scripts/compute_spectra.py"

    if study in LAYER_STUDIES:

        rule:
            name:
                f"compute_layer_spectra_{study}"
            input:
                models=study_outputs(study, "model.pt"),
                records=study_outputs(study, "train.json"),
                data=dataset_file(study),
                code=library_code("scripts/compute_layer_spectra.py"),
            output:
                layers=study_outputs(study, "layers.json"),
            log:
                f"logs/compute_layer_spectra/{study}.log",
            benchmark:
                f"results/benchmarks/compute_layer_spectra/{study}.tsv"
            conda:
                "../../envs/liegg.yaml"
            threads: family_threads("compute_layer_spectra")
            resources:
                **family_resources("compute_layer_spectra", gpu=int(config["device"] == "cuda")),
            params:
                study=study,
                runs=get_study_runs(study),
                settings=get_liegg_settings(study),
                dataset=DATASETS[dataset_id(study)],
                device=config["device"],
            script:
                "../scripts/compute_layer_spectra.py"
