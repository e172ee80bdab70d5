"""Rule make_dataset: generate one seeded dataset with its train/val/test split."""

import logging

from liegg import io
from liegg.tasks import get_task

io.log_to_file(snakemake.log[0])
spec = dict(snakemake.params.spec)
task = get_task(spec.pop("task"))
# Files the data are made from (e.g. the MNIST digits), by keyword.
sources = {key: value for key, value in snakemake.input.items() if key != "code"}
data = task.make_data(**spec, **sources)
for key, value in data.items():
    logging.info("%s: shape %s, dtype %s", key, tuple(value.shape), value.dtype)
io.save_arrays(snakemake.output.data, data, meta={"task": task.name, "id": snakemake.wildcards.dataset, **spec})
