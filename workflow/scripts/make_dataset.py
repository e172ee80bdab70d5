"""Rule make_dataset: generate one seeded dataset with its train/val/test split."""

import logging

from liegg.study import arrays, datasets, files

files.log_to_file(snakemake.log[0], snakemake.rule)
spec = dict(snakemake.params.spec)
task = spec.pop("task")
# Files the data are made from (e.g. the MNIST digits), by keyword.
sources = {key: value for key, value in snakemake.input.items() if key != "code"}
data = datasets.make_data(task, **spec, **sources)
for key, value in data.items():
    logging.info("%s: shape %s, dtype %s", key, tuple(value.shape), value.dtype)
arrays.save_arrays(snakemake.output.data, data, meta={"task": task, "id": snakemake.wildcards.dataset, **spec})
