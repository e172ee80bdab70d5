"""Rule train_model: train one network and keep its best-validation weights."""

import logging
import time

import torch

from liegg import io, provenance, runs, training

started = time.perf_counter()
io.log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
spec = snakemake.params.spec
device = training.resolve_device(snakemake.params.device)
logging.info("run %s on %s with %d thread(s): %s", snakemake.wildcards.run, device, snakemake.threads, spec)
data = io.load_dataset(snakemake.input.data)
model, record = runs.train_run(data, spec, device)
logging.info("best epoch %d, val %s, test %s", record["best_epoch"], record["val"], record["test"])
config = {"device": snakemake.params.device, **spec}
record["provenance"] = provenance.collect({"data": snakemake.input.data}, config, device, started)
io.save_checkpoint(snakemake.output.model, model, record["architecture"])
io.write_json(snakemake.output.record, record)
