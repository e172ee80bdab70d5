"""Rule summarize_workflow: the config used, per-rule runtimes from the benchmark files, and a
provenance summary over all studies, as CSV tables and HTML pages for the report."""

import logging
from pathlib import Path

from liegg.study import files, reporting

files.log_to_file(snakemake.log[0], snakemake.rule)
root, jobs = Path(snakemake.params.benchmarks), set(snakemake.params.jobs)
runtimes = []
for path in sorted(root.glob("*/**/*.tsv")):
    row = reporting.benchmark_row(path.relative_to(root).as_posix(), reporting.parse_benchmark(path.read_text()))
    if row["job"] in jobs:
        runtimes.append(row)
    else:
        logging.info("left out %s: not a job of this config", path)
provenance = []
for table in snakemake.input.provenance:
    provenance += files.read_rows(table)
summary = reporting.provenance_summary(provenance)
files.write_csv(snakemake.output.runtimes_csv, runtimes)
files.write_csv(snakemake.output.provenance_csv, summary)
pages = {
    "config": reporting.config_page(snakemake.params.config, "Configuration of this run"),
    "runtimes": reporting.html_tables(
        [("Per rule", reporting.runtime_summary(runtimes)), ("Per job", runtimes)],
        "Runtimes",
        f"From the benchmark files of {len(runtimes)} jobs (wall seconds, peak memory in MB).",
    ),
    "provenance": reporting.html_table(
        summary, "Provenance summary", "Details per run: results/tables/<study>/provenance.csv."
    ),
}
for name, page in pages.items():
    with files.atomic_path(snakemake.output[name]) as tmp:
        Path(tmp).write_text(page)
