"""Rule gather_tables: tidy CSV tables of one study (runs, spectra, timings, provenance),
and each as an HTML page for the report."""

from liegg.study import files, reporting, spectra, tables

files.log_to_file(snakemake.log[0], snakemake.rule)
study = snakemake.wildcards.study
run_rows, spectrum_rows, timing_rows, provenance_rows = [], [], [], []
inputs = zip(snakemake.params.runs, snakemake.input.records, snakemake.input.spectra, snakemake.input.summaries)
for run, record_path, spectrum_path, summary_path in inputs:
    # Spectra and summaries say which run they belong to: a file of another run is refused.
    record, summary = files.read_json(record_path), files.read_json(summary_path, expect={"study": study, "run": run})
    saved, _ = spectra.load_spectrum_arrays(spectrum_path, expect={"study": study, "run": run})
    run_rows.append(tables.run_row(study, run, record, summary))
    spectrum_rows += tables.spectrum_rows(
        study, run, record, saved["variances"], saved["singular_values"], saved["biases"]
    )
    timing_rows.append(tables.timing_row(study, run, record, summary))
    provenance_rows.append(reporting.provenance_row(study, run, record, summary))
files.write_csv(snakemake.output.runs, run_rows)
files.write_csv(snakemake.output.spectra, spectrum_rows)
files.write_csv(snakemake.output.timings, timing_rows)
files.write_csv(snakemake.output.provenance, provenance_rows)
for name in snakemake.params.tables:
    page = reporting.csv_page(snakemake.output[name], f"{study}: {name}")
    with files.atomic_path(snakemake.output[f"{name}_page"]) as tmp:
        tmp.write_text(page)
