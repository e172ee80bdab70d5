"""Rule build_catalogue: the catalogue of symmetries (CSV, Markdown and a report page) from
the runs and spectra tables of the studies it lists."""

from pathlib import Path

from liegg.study import catalogue, files, reporting

files.log_to_file(snakemake.log[0], snakemake.rule)
rows = []
tables = zip(snakemake.params.studies, snakemake.input.runs, snakemake.input.spectra, strict=True)
for study, runs_path, spectra_path in tables:
    runs = files.read_table(runs_path, required=catalogue.CATALOGUE_RUNS_COLUMNS)
    spectra = files.read_table(spectra_path, required=catalogue.CATALOGUE_SPECTRA_COLUMNS)
    rows.append(catalogue.catalogue_row(study, runs, spectra))
files.write_csv(snakemake.output.csv, rows)
with files.atomic_path(snakemake.output.md) as tmp:
    Path(tmp).write_text(catalogue.catalogue_markdown(rows))
note = ("Per study: the algebra its data carry, the dimension LieGG finds in each network (its spectrum's "
        "first gap of a factor 2), angles and bias to the truth, the algebra it names. "
        "docs/reproducing.md, 'A catalogue of symmetries'.")
with files.atomic_path(snakemake.output.page) as tmp:
    Path(tmp).write_text(reporting.html_table(rows, "A catalogue of symmetries", note))
