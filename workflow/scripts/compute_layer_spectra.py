"""Rule compute_layer_spectra_<study>: LieGG on the map from the input to every hidden layer,
for every run of one study."""

import logging
import time

import torch

from liegg.study import devices, files, provenance, restore
from liegg.study.layer_spectra import extract_layers

started = time.perf_counter()
files.log_to_file(snakemake.log[0], snakemake.rule)
torch.set_num_threads(snakemake.threads)
study, device = snakemake.params.study, devices.resolve_device(snakemake.params.device)
trained = restore.load_study_runs(study, snakemake.params.runs, snakemake.input.models, snakemake.input.records,
                                  snakemake.input.data)
outputs = zip(trained, snakemake.input.models, snakemake.input.records, snakemake.output.layers, strict=True)
for (run, record, model, data), model_path, record_path, layers_path in outputs:
    spec = {**record["spec"], "liegg": snakemake.params.settings, "dataset": snakemake.params.dataset}
    logging.info("run %s on %s with %d thread(s)", run, device, snakemake.threads)
    summaries = extract_layers(model, data, spec, device)
    for summary in summaries:
        logging.info("%s layer %d: lambda_min %.4g, bias %.4f", run, summary["layer"], summary["lambda_min"],
                     summary["bias_of_lambda_min"])
    inputs = {"model": model_path, "record": record_path, "data": snakemake.input.data}
    result = {"study": study, "run": run, "layers": summaries,
              "provenance": provenance.collect(inputs, spec, str(device), started)}
    files.write_json(layers_path, result)
