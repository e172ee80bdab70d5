"""Write config/README.md, the reference of every config key, from the schema's descriptions.

    python workflow/schemas/config_readme.py           # rewrite config/README.md
    python workflow/schemas/config_readme.py --check   # exit 1 when it differs from the schema

Every key of ``workflow/schemas/config.schema.yaml`` gets a row: its dotted path
(``studies.<name>.training.lr``; ``[]`` for list items), type, default and
description. A test runs ``--check``, so the page cannot drift from the schema.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
README = REPO / "config/README.md"

HEAD = """# Configuration

The workflow reads `config/config.yaml` (the paper's studies and the controls) unless a
`--configfile` replaces it: `config/smoke.yaml` is a tiny version of every study (for tests and
CI), `config/large.yaml` the wider grids for a GPU box or a cluster. The config says what to
compute; how (cores, GPUs, the executor) is in the profiles under `profiles/`.

Every key is checked against `workflow/schemas/config.schema.yaml` before any job runs, and a
malformed config stops with one message naming the key. A study is one grid: every combination
of its lists (`model.depth`, `model.width`, `model.kernel_size`, `training.n_train`,
`training.regime`) is a setting, and every setting is trained once per seed; the run id names
the setting and the seed (e.g. `mlp-d2-w32-s0`).

This page is generated from the schema's descriptions by `python workflow/schemas/config_readme.py`;
`tests/test_config.py` fails when it is out of date.

| key | type | default | description |
|---|---|---|---|
"""


def _type(node: dict, defs: dict) -> str:
    node = _resolve(node, defs)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "")
    if kind == "array":
        items = _resolve(node.get("items", {}), defs)
        inner = items.get("type", "")
        if "enum" in items:
            inner = "one of " + ", ".join(f"`{v}`" for v in items["enum"])
        return f"list of {inner}" if inner else "list"
    return str(kind)


def _resolve(node: dict, defs: dict) -> dict:
    """The node with a ``$ref`` replaced by its definition (its own keys taking precedence)."""
    if "$ref" in node:
        target = defs[node["$ref"].split("/")[-1]]
        return {**_resolve(target, defs), **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _rows(node: dict, path: str, defs: dict):
    node = _resolve(node, defs)
    if path:
        default = f"`{node['default']}`" if "default" in node else ""
        yield f"| `{path}` | {_cell(_type(node, defs))} | {default} | {_cell(node.get('description', ''))} |"
    for key, child in node.get("properties", {}).items():
        yield from _rows(child, f"{path}.{key}" if path else key, defs)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        name = "<study>" if path == "studies" else "<name>"
        yield from _rows(extra, f"{path}.{name}", defs)
    items = node.get("items")
    if node.get("type") == "array" and isinstance(items, dict) and _resolve(items, defs).get("properties"):
        yield from _rows(items, f"{path}[]", defs)


def render() -> str:
    schema = yaml.safe_load(SCHEMA.read_text())
    defs = schema.get("$defs", {})
    return HEAD + "\n".join(_rows(schema, "", defs)) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when config/README.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if README.read_text() != text:
            print("config/README.md is out of date: run python workflow/schemas/config_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(text)
    print(f"wrote {README.relative_to(REPO)} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
