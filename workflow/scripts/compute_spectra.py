"""Rule compute_spectra_<study>: LieGG spectrum and symmetry biases of the runs of one study
(of one setting, for a CNN study)."""

import logging
import time

import torch

from liegg.study import devices, files, provenance, restore, spectra
from liegg.study.extraction import extract_run

started = time.perf_counter()
files.log_to_file(snakemake.log[0], snakemake.rule)
torch.set_num_threads(snakemake.threads)
study, device = snakemake.params.study, devices.resolve_device(snakemake.params.device)
trained = restore.load_study_runs(study, snakemake.params.runs, snakemake.input.models, snakemake.input.records,
                                  snakemake.input.data)
outputs = zip(trained, snakemake.input.models, snakemake.input.records, snakemake.output.spectra,
              snakemake.output.summaries, strict=True)
for (run, record, model, data), model_path, record_path, spectrum_path, summary_path in outputs:
    spec = {**record["spec"], "liegg": snakemake.params.settings, "dataset": snakemake.params.dataset}
    logging.info("run %s on %s with %d thread(s)", run, device, snakemake.threads)
    spectrum, biases, summary = extract_run(model, data, spec, device)
    logging.info("%s: %s", run, summary)
    spectra.save_spectrum(spectrum_path, spectrum, extra={"biases": biases}, meta={**spec, "study": study, "run": run})
    inputs = {"model": model_path, "record": record_path, "data": snakemake.input.data}
    summary["provenance"] = provenance.collect(inputs, spec, str(device), started)
    files.write_json(summary_path, {**summary, "study": study, "run": run})
