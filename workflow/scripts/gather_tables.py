"""Rule gather_tables: tidy CSV tables of one study (runs, spectra, timings, provenance)."""

from liegg import io, reporting, tables

io.log_to_file(snakemake.log[0])
study = snakemake.wildcards.study
run_rows, spectrum_rows, timing_rows, provenance_rows = [], [], [], []
files = zip(snakemake.params.runs, snakemake.input.records, snakemake.input.spectra, snakemake.input.summaries)
for run, record_path, spectrum_path, summary_path in files:
    # Spectra and summaries say which run they belong to: a file of another run is refused.
    record, summary = io.read_json(record_path), io.read_json(summary_path, expect={"study": study, "run": run})
    spectrum, arrays, _ = io.load_spectrum(spectrum_path, expect={"study": study, "run": run})
    run_rows.append(tables.run_row(study, run, record, summary))
    spectrum_rows += tables.spectrum_rows(
        study, run, record, spectrum.variances, spectrum.singular_values, arrays["biases"]
    )
    timing_rows.append(tables.timing_row(study, run, record, summary))
    provenance_rows.append(reporting.provenance_row(study, run, record, summary))
io.write_csv(snakemake.output.runs, run_rows)
io.write_csv(snakemake.output.spectra, spectrum_rows)
io.write_csv(snakemake.output.timings, timing_rows)
io.write_csv(snakemake.output.provenance, provenance_rows)
