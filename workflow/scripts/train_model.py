"""Rule train_model: train one network and keep its best-validation weights.

With ``training.checkpoint_every`` set, the training state is saved every so
many epochs to ``train.resume.pt`` next to the outputs. It is not an output,
so Snakemake keeps it when it reruns a killed job, and the rerun resumes from
it, but only for the same settings, inputs, code and versions (its key). It
is deleted once the outputs are written.
"""

import logging
import time
from pathlib import Path

import torch

from liegg.study import arrays, checkpoints, devices, files, provenance, runs

started = time.perf_counter()
files.log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
study, run = snakemake.wildcards.study, snakemake.wildcards.run
spec = snakemake.params.spec
device = devices.resolve_device(snakemake.params.device)
# Read from the config, not passed as a param: changing it never retrains a run.
every = snakemake.config["studies"][study]["training"].get("checkpoint_every", 0)
logging.info("run %s on %s with %d thread(s): %s", run, device, snakemake.threads, spec)
data = arrays.load_dataset(snakemake.input.data, expect={"task": spec["task"], "id": Path(snakemake.input.data).stem})
resume_path = Path(snakemake.output.model).with_name("train.resume.pt")
inputs = {path: files.file_sha256(path) for path in snakemake.input}
key = {"spec": spec, "device": str(device), "inputs": inputs, "versions": runs.versions()}
resume = checkpoints.load_resume(resume_path, key) if every else None
model, record = runs.train_run(
    data, spec, device, checkpoint_every=every, resume=resume,
    on_checkpoint=lambda state: checkpoints.save_resume(resume_path, state, key),
)
logging.info("best epoch %d, val %s, test %s", record["best_epoch"], record["val"], record["test"])
config = {"device": snakemake.params.device, **spec, "training": {**spec["training"], "checkpoint_every": every}}
record["provenance"] = provenance.collect({"data": snakemake.input.data}, config, device, started)
meta = {"study": study, "run": run, "spec": spec}
checkpoints.save_checkpoint(snakemake.output.model, model, record["architecture"], meta=meta)
files.write_json(snakemake.output.record, record)
resume_path.unlink(missing_ok=True)
