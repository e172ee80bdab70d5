# LieGG of every run of one study in one job: extraction is quick next to the start-up of a
# job (importing torch), so a study has one (a rule per study, as for training).

for study in config["studies"]:

    rule:
        name:
            f"compute_spectra_{study}"
        input:
            models=study_outputs(study, "model.pt"),
            records=study_outputs(study, "train.json"),
            data=dataset_file(study),
            code=library_code("scripts/compute_spectra.py"),
        output:
            spectra=study_outputs(study, "spectrum.npz"),
            summaries=study_outputs(study, "liegg.json"),
        log:
            f"logs/compute_spectra/{study}.log",
        benchmark:
            f"results/benchmarks/compute_spectra/{study}.tsv"
        conda:
            "../../envs/liegg.yaml"
        threads: family_threads("compute_spectra")
        resources:
            **family_resources("compute_spectra", gpu=int(config["device"] == "cuda")),
        params:
            study=study,
            runs=get_study_runs(study),
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
