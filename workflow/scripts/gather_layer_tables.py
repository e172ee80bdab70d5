"""Rule gather_layer_tables: one row per (run, hidden layer) of one study."""

from liegg.study import files, tables

files.log_to_file(snakemake.log[0], snakemake.rule)
study = snakemake.wildcards.study
rows = []
for run, record_path, layers_path in zip(snakemake.params.runs, snakemake.input.records, snakemake.input.layers):
    # Per-layer results say which run they belong to: a file of another run is refused.
    layers = files.read_json(layers_path, expect={"study": study, "run": run})
    rows += tables.layer_rows(study, run, files.read_json(record_path), layers["layers"])
files.write_csv(snakemake.output.layers, rows)
