"""Rule compute_layer_spectra: LieGG on the map from the input to every hidden layer of one run."""

import logging
import time
from pathlib import Path

import torch

from liegg.study import arrays, checkpoints, devices, files, models, provenance
from liegg.study.layer_spectra import extract_layers

started = time.perf_counter()
files.log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
study, run = snakemake.wildcards.study, snakemake.wildcards.run
record = files.read_json(snakemake.input.record)
# The checkpoint says which run it belongs to: a file of another run is refused.
architecture, state = checkpoints.load_checkpoint(snakemake.input.model, expect={"study": study, "run": run, "spec": record["spec"]})
model = models.restore_model(architecture, state)
data = arrays.load_dataset(
    snakemake.input.data, expect={"task": record["spec"]["task"], "id": Path(snakemake.input.data).stem}
)
spec = {**record["spec"], "liegg": snakemake.params.settings}
device = devices.resolve_device(snakemake.params.device)
logging.info("run %s on %s with %d thread(s)", run, device, snakemake.threads)
summaries = extract_layers(model, data, spec, device)
for summary in summaries:
    logging.info("layer %d: lambda_min %.4g, bias %.4f", summary["layer"], summary["lambda_min"], summary["bias_of_lambda_min"])
inputs = {"model": snakemake.input.model, "record": snakemake.input.record, "data": snakemake.input.data}
result = {"study": study, "run": run, "layers": summaries, "provenance": provenance.collect(inputs, spec, str(device), started)}
files.write_json(snakemake.output.layers, result)
