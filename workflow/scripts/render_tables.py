"""Rule render_tables: every table of a study as an HTML page for the report."""

import csv
from pathlib import Path

from liegg.study import files, reporting

files.log_to_file(snakemake.log[0])
study = snakemake.wildcards.study
for name in snakemake.params.tables:
    source = snakemake.input[name]
    with open(source, newline="") as fh:
        rows = list(csv.DictReader(fh))
    note = f"{len(rows)} rows of {source} (full precision there); numbers shown to 4 significant digits."
    page = reporting.html_table(rows, f"{study}: {name}", note)
    with files.atomic_path(snakemake.output[name]) as tmp:
        Path(tmp).write_text(page)
