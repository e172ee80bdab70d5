"""Rule gather_provenance: one row per run of a study saying what made it (config values,
checksums of the data and model read, commit, versions, device, wall times)."""

from liegg import io, reporting

io.log_to_file(snakemake.log[0])
study = snakemake.wildcards.study
rows = [
    reporting.provenance_row(study, run, io.read_json(record), io.read_json(summary))
    for run, record, summary in zip(snakemake.params.runs, snakemake.input.records, snakemake.input.summaries)
]
io.write_csv(snakemake.output.provenance, rows)
