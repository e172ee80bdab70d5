"""Rule reuse_<study>: the runs of a setting that another study trains identically (the
same dataset, network, training and seeds; see SHARED in workflow/rules/common.smk). Each run gets that training's
weights, relabelled as this study's run, and its training record, which says where the
network trained (``reused_from``) and that this job spent no time training it."""

import logging

from liegg.study import checkpoints, files, restore

files.log_to_file(snakemake.log[0], snakemake.rule)
study = snakemake.params.study
outputs = zip(snakemake.params.runs, snakemake.params.sources, snakemake.input.models, snakemake.input.records,
              snakemake.output.models, snakemake.output.records, strict=True)
for run, source, model_in, record_in, model_out, record_out in outputs:
    source_study, source_run = source.split("/")
    record, model = restore.load_trained_run(model_in, record_in, source_study, source_run)
    meta = {"study": study, "run": run, "spec": record["spec"]}
    checkpoints.save_checkpoint(model_out, model, record["architecture"], meta=meta)
    files.write_json(record_out, {**record, "reused_from": source, "train_seconds": 0.0})
    logging.info("%s: the network trained as %s (best epoch %d, test %s)", run, source, record["best_epoch"],
                 record["test"])
