"""Rule compute_layer_spectra_<study>: LieGG on the map from the input to every hidden layer,
for every run of one study."""

import logging
import time
from pathlib import Path

import torch

from liegg.study import arrays, devices, files, provenance, restore
from liegg.study.layer_spectra import extract_layers

started = time.perf_counter()
files.log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
study, device = snakemake.params.study, devices.resolve_device(snakemake.params.device)
data = None
outputs = zip(snakemake.params.runs, snakemake.input.models, snakemake.input.records, snakemake.output.layers)
for run, model_path, record_path, layers_path in outputs:
    record, model = restore.load_trained_run(model_path, record_path, study, run)
    if data is None:  # one dataset for the whole setting
        expect = {"task": record["spec"]["task"], "id": Path(snakemake.input.data).stem}
        data = arrays.load_dataset(snakemake.input.data, expect=expect)
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
