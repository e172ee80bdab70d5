"""Rule train_<study>: train the networks of one setting, its seeds together, and
keep each one's best-validation weights in its own run folder.

With ``training.checkpoint_every`` set, the training state is saved every so
many epochs to ``results/runs/<study>/<setting>.resume.pt``. It is not an
output, so Snakemake keeps it when it reruns a killed job, and the rerun
resumes from it, but only for the same settings, inputs, code and versions
(its key). It is deleted once the outputs are written.
"""

import logging
import time
from pathlib import Path

import torch

from liegg.study import arrays, checkpoints, devices, files, provenance, runs

started = time.perf_counter()
files.log_to_file(snakemake.log[0], snakemake.rule)
torch.set_num_threads(snakemake.threads)
study, setting, specs = snakemake.params.study, snakemake.wildcards.setting, list(snakemake.params.specs)
files.progress_to_terminal(f"{study}/{setting}")
device = devices.resolve_device(snakemake.params.device)
# Read from the config, not passed as a param: changing it never retrains a run.
every = snakemake.config["studies"][study]["training"].get("checkpoint_every", 0)
logging.info("%s/%s, seeds %s, on %s with %d thread(s): %s", study, setting, [s["seed"] for s in specs],
             device, snakemake.threads, specs[0])
data = arrays.load_dataset(
    snakemake.input.data, expect={"task": specs[0]["task"], "id": Path(snakemake.input.data).stem}
)
resume_path = Path(f"results/runs/{study}/{setting}.resume.pt")
inputs = {path: files.file_sha256(path) for path in snakemake.input}
key = {"specs": specs, "device": str(device), "inputs": inputs, "versions": runs.versions()}
resume = checkpoints.load_resume(resume_path, key) if every else None
trained = runs.train_runs(
    data,
    specs,
    device,
    checkpoint_every=every,
    resume=resume,
    on_checkpoint=lambda state: checkpoints.save_resume(resume_path, state, key),
)
outputs = zip(snakemake.params.runs, specs, trained, snakemake.output.models, snakemake.output.records)
for run, spec, (model, record), model_path, record_path in outputs:
    logging.info("%s: best epoch %d, val %s, test %s", run, record["best_epoch"], record["val"], record["test"])
    config = {"device": snakemake.params.device, **spec, "training": {**spec["training"], "checkpoint_every": every}}
    record["provenance"] = provenance.collect({"data": snakemake.input.data}, config, device, started)
    meta = {"study": study, "run": run, "spec": spec}
    checkpoints.save_checkpoint(model_path, model, record["architecture"], meta=meta)
    files.write_json(record_path, record)
resume_path.unlink(missing_ok=True)
