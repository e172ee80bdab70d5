"""The study layer: what the workflow needs to train and compare networks.

Datasets and tasks, MNIST, models, training and its regimes, runs and
extraction, files and tables, provenance and report pages, seed statistics
and claims, plotting. It imports the core (:mod:`liegg`), never the other way
round, and its modules import downward only. Nothing is imported here, so
that a job's script loads only the modules it names (the workflow reruns a
job when one of them changes). Needs the ``workflow`` extra:
``pip install -e ".[workflow]"``.
"""
