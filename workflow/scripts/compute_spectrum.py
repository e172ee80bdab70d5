"""Rule compute_spectrum: LieGG spectrum and symmetry biases of one trained run."""

import logging
import time
from pathlib import Path

import torch

from liegg.study import arrays, checkpoints, devices, files, models, provenance, spectra
from liegg.study.extraction import extract_run

started = time.perf_counter()
files.log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
study, run = snakemake.wildcards.study, snakemake.wildcards.run
record = files.read_json(snakemake.input.record)
# The checkpoint says which run it belongs to: a file of another run is refused.
expect = {"study": study, "run": run, "spec": record["spec"]}
architecture, state = checkpoints.load_checkpoint(snakemake.input.model, expect=expect)
if architecture != record["architecture"]:
    raise ValueError(
        f"{snakemake.input.model} does not belong to {snakemake.input.record}; "
        "delete both and rerun snakemake to retrain this run"
    )
model = models.restore_model(architecture, state)
data = arrays.load_dataset(
    snakemake.input.data, expect={"task": record["spec"]["task"], "id": Path(snakemake.input.data).stem}
)
spec = {**record["spec"], "liegg": snakemake.params.settings}
device = devices.resolve_device(snakemake.params.device)
logging.info("run %s on %s with %d thread(s)", snakemake.wildcards.run, device, snakemake.threads)
spectrum, biases, summary = extract_run(model, data, spec, device)
logging.info("summary: %s", summary)
meta = {**spec, "study": study, "run": run}
spectra.save_spectrum(snakemake.output.spectrum, spectrum, extra={"biases": biases}, meta=meta)
inputs = {"model": snakemake.input.model, "record": snakemake.input.record, "data": snakemake.input.data}
summary["provenance"] = provenance.collect(inputs, spec, str(device), started)
files.write_json(snakemake.output.summary, {**summary, "study": study, "run": run})
