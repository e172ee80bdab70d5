"""Rule render_claims: the claims table as an HTML page for the report."""

from pathlib import Path

from liegg.study import files, reporting

files.log_to_file(snakemake.log[0], snakemake.rule)
rows = files.read_rows(snakemake.input.claims)
note = f"{len(rows)} claims from {snakemake.input.claims}; how each verdict is reached: README, 'The paper's findings'."
with files.atomic_path(snakemake.output.page) as tmp:
    Path(tmp).write_text(reporting.html_table(rows, "The paper's findings, tested", note))
