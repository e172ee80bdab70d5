"""Rule render_claims: the claims table as an HTML page for the report."""

import csv
from pathlib import Path

from liegg import io, reporting

io.log_to_file(snakemake.log[0])
with open(snakemake.input.claims, newline="") as fh:
    rows = list(csv.DictReader(fh))
note = f"{len(rows)} claims from {snakemake.input.claims}; how each verdict is reached: README, 'The paper's findings'."
with io.atomic_path(snakemake.output.page) as tmp:
    Path(tmp).write_text(reporting.html_table(rows, "The paper's findings, tested", note))
