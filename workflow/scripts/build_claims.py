"""Rule build_claims: the claims table (CSV and Markdown) from the studies' tables."""

import logging
from pathlib import Path

from liegg.study import claims, files

files.log_to_file(snakemake.log[0], snakemake.rule)
read_rows = files.read_rows
tables = {(s, "runs"): read_rows(p) for s, p in zip(snakemake.params.studies, snakemake.input.runs, strict=True)}
layers = zip(snakemake.params.layer_studies, snakemake.input.layers, strict=True)
tables.update({(s, "layers"): read_rows(p) for s, p in layers})
rows = claims.evaluate_claims(list(snakemake.params.claims), tables)
for row in rows:
    logging.info("%s: %s (%s = %.3g, p = %.3g on the expected side, %.3g on the other; %s of %s seeds agree) %s",
                 row["id"], row["verdict"], row["statistic"], row["value"], row["p_value"], row["p_other"],
                 row["seeds_agree"], row["n_seeds"], row["note"])
files.write_csv(snakemake.output.csv, rows)
with files.atomic_path(snakemake.output.md) as tmp:
    Path(tmp).write_text(claims.claims_markdown(rows))
