"""Rows and self-contained HTML pages for the workflow's report (no file I/O).

Snakemake's HTML report shows images and HTML pages inline but offers CSV
files only as downloads, so every table of the report is also rendered here
as a small HTML page.
"""

from __future__ import annotations

import html
import re

from .files import format_number, read_rows
from .provenance import flatten

__all__ = [
    "html_page",
    "html_table",
    "csv_page",
    "html_tables",
    "parse_benchmark",
    "benchmark_row",
    "runtime_summary",
    "provenance_row",
    "provenance_summary",
    "config_page",
]

_INT = re.compile(r"-?\d{1,18}")
_FLOAT = re.compile(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?|nan|-?inf")
_STYLE = """
body { font-family: system-ui, sans-serif; font-size: 13px; margin: 1em; color: #111; background: #fff; }
h1 { font-size: 16px; } h2 { font-size: 14px; } p.note { color: #444; max-width: 60em; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #eee; position: sticky; top: 0; } td.text { text-align: left; }
pre { background: #f6f6f6; padding: 0.8em; border: 1px solid #ddd; }
"""


def html_page(title: str, body: str, note: str = "") -> str:
    """A complete HTML page (inline style, no external resources)."""
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>{note_html}\n{body}\n</body></html>\n"
    )


def _cell(value) -> str:
    if isinstance(value, str) and _INT.fullmatch(value):
        value = int(value)
    elif isinstance(value, str) and _FLOAT.fullmatch(value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'<td class="text">{html.escape(str(value))}</td>'
    return f"<td>{format_number(value, digits=4)}</td>"


def _table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "\n".join("<tr>" + "".join(_cell(row.get(c, "")) for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def html_table(rows: list[dict], title: str, note: str = "") -> str:
    """An HTML page holding ``rows`` as a table; numbers shown to 4 significant digits.

    Examples
    --------
    >>> page = html_table([{"run": "a<b", "loss": 0.123456}], "T")
    >>> "<td>0.1235</td>" in page and "a&lt;b" in page
    True
    """
    return html_page(title, _table(rows), note)


def csv_page(path, title: str) -> str:
    """A CSV table (as :func:`liegg.study.files.write_csv` writes it) as an HTML page."""
    rows = read_rows(path)
    note = f"{len(rows)} rows of {path} (full precision there); numbers shown to 4 significant digits."
    return html_table(rows, title, note)


def html_tables(sections: list[tuple[str, list[dict]]], title: str, note: str = "") -> str:
    """An HTML page with one headed table per ``(heading, rows)`` section."""
    body = "\n".join(f"<h2>{html.escape(heading)}</h2>\n{_table(rows)}" for heading, rows in sections)
    return html_page(title, body, note)


def parse_benchmark(text: str) -> dict:
    """The first measurement of a Snakemake benchmark TSV as ``{column: value}``.

    Examples
    --------
    >>> parse_benchmark("s\\th:m:s\\tmax_rss\\n1.5\\t0:00:01\\t120.3\\n")
    {'s': 1.5, 'h:m:s': '0:00:01', 'max_rss': 120.3}
    """
    header, first = text.strip().splitlines()[:2]
    values = {}
    for key, raw in zip(header.split("\t"), first.split("\t")):
        try:
            values[key] = float(raw)
        except ValueError:
            values[key] = raw
    return values


def benchmark_row(relative_path: str, values: dict) -> dict:
    """One job's runtime row from its benchmark path ``<rule>/<wildcards...>.tsv``.

    Examples
    --------
    >>> benchmark_row("train_o5_reference/mlp-d2-w8.tsv", {"s": 2.0, "max_rss": 100.0, "cpu_time": 1.9})
    {'rule': 'train_o5_reference', 'job': 'mlp-d2-w8', 'seconds': 2.0, 'max_rss_mb': 100.0, 'cpu_seconds': 1.9}
    """
    rule, _, job = relative_path.removesuffix(".tsv").partition("/")

    def number(key):
        value = values.get(key)
        return value if isinstance(value, float) else float("nan")

    return {
        "rule": rule,
        "job": job,
        "seconds": number("s"),
        "max_rss_mb": number("max_rss"),
        "cpu_seconds": number("cpu_time"),
    }


def runtime_summary(rows: list[dict]) -> list[dict]:
    """Per-rule totals of :func:`benchmark_row` rows.

    Examples
    --------
    >>> runtime_summary([{"rule": "r", "seconds": 1.0, "max_rss_mb": 5.0},
    ...                  {"rule": "r", "seconds": 3.0, "max_rss_mb": 7.0}])
    [{'rule': 'r', 'jobs': 2, 'total_seconds': 4.0, 'mean_seconds': 2.0, 'max_seconds': 3.0, 'max_rss_mb': 7.0}]
    """
    import pandas as pd

    if not rows:
        return []
    by_rule = pd.DataFrame(rows).groupby("rule", sort=True)
    seconds = by_rule["seconds"]
    summary = pd.DataFrame({
        "jobs": by_rule.size(), "total_seconds": seconds.sum(), "mean_seconds": seconds.mean(),
        "max_seconds": seconds.max(), "max_rss_mb": by_rule["max_rss_mb"].max(),
    })  # fmt: skip
    return summary.reset_index().to_dict("records")


def provenance_row(study: str, run: str, record: dict, summary: dict) -> dict:
    """One run's provenance as a flat row: the config values that made it, the
    checksums of the files read, code version, software, device and wall times.

    ``record`` is a run's ``train.json``, ``summary`` its ``liegg.json``; both
    carry a ``provenance`` dict from :func:`liegg.study.provenance.collect`.
    """
    train, extract = record["provenance"], summary["provenance"]
    row = {"study": study, "run": run}
    row.update(flatten({**train["config"], **extract["config"]}, "config."))
    data = train["inputs"]["data"]
    row.update(flatten(data.get("meta", {}), "config.dataset."))
    row["data_path"] = data["path"]
    row["data_sha256"] = data["sha256"]
    row["model_sha256"] = extract["inputs"]["model"]["sha256"]
    row["git_commit"] = train["git"]["commit"]
    row["git_dirty"] = train["git"]["dirty"]
    row.update(flatten(train["versions"], "version."))
    row["train_device"] = train["device"]["device"]
    row["train_device_name"] = train["device"]["device_name"]
    row["train_bf16"] = train["device"].get("bf16", "")
    row["train_threads"] = train["device"].get("torch_threads", "")
    row["train_precision"] = record.get("precision", "fp32")
    row["train_seconds"] = record["train_seconds"]
    row["train_job_seconds"] = train["wall_seconds"]
    # Trained once as another study's identical run, whose job the wall times are of.
    row["trained_as"] = record.get("reused_from", "")
    row["extract_seconds"] = summary["extract_seconds"]
    row["extract_job_seconds"] = extract["wall_seconds"]
    row["finished_utc"] = extract["finished_utc"]
    return row


def _distinct(rows, key) -> str:
    return ", ".join(sorted({str(r.get(key, "")) for r in rows}))


def provenance_summary(rows: list[dict]) -> list[dict]:
    """A few ``{item, value}`` rows that say, over all runs, which code, software,
    devices and data made the results, and how long it took.

    Examples
    --------
    >>> rows = [{"study": "s", "run": "a", "git_commit": "abc", "git_dirty": False, "train_device": "cpu",
    ...          "train_device_name": "x86_64", "train_seconds": 1.0, "extract_seconds": 0.5,
    ...          "data_path": "d.npz", "data_sha256": "ff", "version.torch": "2.13.0"}]
    >>> [r["item"] for r in provenance_summary(rows)][:3]
    ['studies', 'runs', 'git commit']
    """
    items = [
        ("studies", _distinct(rows, "study")),
        ("runs", len(rows)),
        ("git commit", _distinct(rows, "git_commit")),
        ("tracked files changed since that commit", _distinct(rows, "git_dirty")),
        ("training device", _distinct(rows, "train_device") + " (" + _distinct(rows, "train_device_name") + ")"),
        ("total training seconds (fit loops)", sum(float(r["train_seconds"]) for r in rows)),
        ("total extraction seconds", sum(float(r["extract_seconds"]) for r in rows)),
    ]
    for key in sorted(k for k in rows[0] if k.startswith("version.")):
        items.append((key.removeprefix("version.") + " version", _distinct(rows, key)))
    datasets = sorted({(r["data_path"], r["data_sha256"]) for r in rows})
    for path, sha in datasets:
        items.append((f"sha256 of {path}", sha))
    return [{"item": item, "value": value} for item, value in items]


def config_page(config: dict, title: str = "Configuration", note: str = "") -> str:
    """The config as YAML in an HTML page.

    Examples
    --------
    >>> "lr: 0.003" in config_page({"training": {"lr": 0.003}})
    True
    """
    import yaml

    text = yaml.safe_dump(config, sort_keys=True, default_flow_style=None)
    return html_page(title, f"<pre>{html.escape(text)}</pre>", note)
