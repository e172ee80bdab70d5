"""Rule render_tutorial: execute the tutorial "LieGG on your own model" as a reader would, keep
the executed .ipynb and its figure (both written under temporary names, then renamed)."""

import os

import jupytext
import nbclient
import nbformat

from liegg.study import files

files.log_to_file(snakemake.log[0], snakemake.rule)
notebook = jupytext.read(snakemake.input.source)
for i, cell in enumerate(notebook.cells):  # jupytext draws random cell ids: same source, same bytes
    cell.id = f"cell-{i}"
with files.atomic_path(snakemake.output.png) as figure, files.atomic_path(snakemake.output.notebook) as executed:
    # The notebook reads these (by hand it trains 3000 steps and saves own_model.png beside it).
    os.environ["LIEGG_TUTORIAL_STEPS"] = str(snakemake.params.steps)
    os.environ["LIEGG_TUTORIAL_FIGURE"] = str(figure.resolve())
    os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)
    # No execution timestamps in the notebook: the same config gives the same bytes.
    client = nbclient.NotebookClient(notebook, timeout=1800, kernel_name="python3", record_timing=False,
                                     resources={"metadata": {"path": os.getcwd()}})
    client.execute()
    nbformat.write(notebook, str(executed))
print(f"executed {snakemake.input.source} with {snakemake.params.steps} training steps")
