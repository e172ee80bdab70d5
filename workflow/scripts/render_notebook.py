"""Rule render_notebook: execute a figure's notebook as a reviewer would open it, and keep
the executed .ipynb (its figures go to a folder of their own, not over the workflow's)."""

import os

import jupytext
import nbclient
import nbformat

from liegg.study import files

files.log_to_file(snakemake.log[0], snakemake.rule)
notebook = jupytext.read(snakemake.input.source)
for i, cell in enumerate(notebook.cells):  # jupytext draws random cell ids: same source, same bytes
    cell.id = f"cell-{i}"
# The notebook's by-hand branch reads these; the kernel inherits them.
os.environ["LIEGG_STUDY"] = snakemake.wildcards.study
os.environ["LIEGG_FIGURES"] = os.path.abspath(snakemake.params.figures)
client = nbclient.NotebookClient(
    notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": os.getcwd()}}
)
client.execute()
with files.atomic_path(snakemake.output.notebook) as tmp:
    nbformat.write(notebook, str(tmp))
print(f"executed {snakemake.input.source} for study {snakemake.wildcards.study}")
