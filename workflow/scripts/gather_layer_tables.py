"""Rule gather_layer_tables: one row per (run, hidden layer) of one study."""

from liegg import io, tables

io.log_to_file(snakemake.log[0])
study = snakemake.wildcards.study
rows = []
for run, record_path, layers_path in zip(snakemake.params.runs, snakemake.input.records, snakemake.input.layers):
    # Per-layer results say which run they belong to: a file of another run is refused.
    layers = io.read_json(layers_path, expect={"study": study, "run": run})
    rows += tables.layer_rows(study, run, io.read_json(record_path), layers["layers"])
io.write_csv(snakemake.output.layers, rows)
