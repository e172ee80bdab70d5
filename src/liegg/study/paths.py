"""Where a figure notebook opened by hand (not by Snakemake) reads and writes."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repository_root", "figure_paths"]


def repository_root() -> Path:
    """The first folder from the working directory up that holds a ``Snakefile``."""
    root = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "Snakefile").is_file()), None)
    if root is None:
        raise FileNotFoundError(f"no Snakefile in {Path.cwd()} or above: open this notebook inside the repository")
    return root


def figure_paths(name: str, studies, table: str) -> tuple[list[str], list[Path], Path, Path]:
    """Inputs and outputs of a figure notebook opened by hand (not by snakemake).

    The repository root is the first folder from the working directory up
    that holds a ``Snakefile``. The figure is ``LIEGG_FIGURE`` (default
    ``name``); its studies are ``LIEGG_STUDIES`` (comma-separated), else
    those of ``figures.<figure>.studies`` in ``config/config.yaml``, else
    ``studies``. ``LIEGG_FIGURES`` (a folder) replaces ``figures/``.

    Returns
    -------
    studies, tables, pdf, png
        ``tables[i]`` is ``results/tables/<studies[i]>/<table>``.
    """
    import yaml

    root = repository_root()
    name = os.environ.get("LIEGG_FIGURE", "") or name
    config = root / "config" / "config.yaml"
    configured = (yaml.safe_load(config.read_text()) or {}).get("figures", {}) if config.is_file() else {}
    chosen = [s.strip() for s in os.environ.get("LIEGG_STUDIES", "").split(",") if s.strip()]
    studies = chosen or configured.get(name, {}).get("studies") or list(studies)
    figures = Path(os.environ.get("LIEGG_FIGURES", root / "figures"))
    tables = [root / "results" / "tables" / study / table for study in studies]
    return list(studies), tables, figures / f"{name}.pdf", figures / f"{name}.png"
