"""Rule download_mnist: fetch the four MNIST IDX files, checking their md5."""

import logging
from pathlib import Path

from liegg.study import files
from liegg.study.mnist import DEFAULT_MIRRORS, download_mnist

files.log_to_file(snakemake.log[0], snakemake.rule)
mirrors = snakemake.params.mirrors or DEFAULT_MIRRORS
folder = Path(snakemake.output.files[0]).parent
logging.info("downloading MNIST into %s from %s", folder, list(mirrors))
download_mnist(folder, mirrors=mirrors)
