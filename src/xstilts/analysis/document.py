"""A tiny document model rendered twice: to Markdown and to self-contained HTML.

The report is built once as a list of blocks, so the two renderings cannot drift apart. HTML
escapes every piece of text (condition and language names come from user configs); images are
files next to the page, linked relatively, so the folder can be moved or zipped as a whole.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

MAX_TABLE_ROWS = 200


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    csv: str = ""  # the CSV file (relative to the report) that holds the full table
    caption: str = ""


@dataclass(frozen=True)
class Image:
    path: str  # relative to the report
    caption: str


Block = Heading | Paragraph | Bullets | Code | Table | Image


def format_cell(value: object, column: str = "") -> str:
    """Numbers for reading: p-values as p, integers as integers, other floats to 4 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if column.endswith("_p") or column == "p_value":
            return "<0.001" if value < 0.001 else f"{value:.3f}"
        if value.is_integer() and abs(value) < 1e6 and column.startswith("n_"):
            return str(int(value))
        return f"{value:.4g}"
    return str(value)


def _table_rows(table: Table) -> tuple[list[str], list[list[str]], int]:
    frame = table.frame
    shown = frame.head(MAX_TABLE_ROWS)
    columns = [str(c) for c in shown.columns]
    rows = [
        [format_cell(v, c) for v, c in zip(record, columns, strict=True)]
        for record in shown.itertuples(index=False)
    ]
    return columns, rows, len(frame) - len(shown)


def _more_note(table: Table, hidden: int) -> str:
    where = f" (all rows: {table.csv})" if table.csv else ""
    return f"{hidden} more rows not shown{where}." if hidden else (f"CSV: {table.csv}" if table.csv else "")


def to_markdown(title: str, blocks: list[Block]) -> str:
    out = [f"# {title}", ""]
    for block in blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Code):
            out += ["```", block.text, "```", ""]
        elif isinstance(block, Table):
            out += _markdown_table(block)
        elif isinstance(block, Image):
            out += [f"![{block.caption}]({block.path})", "", f"*{block.caption}*", ""]
    return "\n".join(out).rstrip() + "\n"


def _markdown_table(table: Table) -> list[str]:
    columns, rows, hidden = _table_rows(table)
    lines = [f"*{table.caption}*", ""] if table.caption else []
    if not columns:
        return [*lines, "(empty)", ""]

    def cells(values: list[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|").replace("\n", " ") for v in values) + " |"

    lines += [cells(columns), "|" + "|".join("---" for _ in columns) + "|"] + [cells(r) for r in rows]
    note = _more_note(table, hidden)
    return [*lines, "", *([note, ""] if note else [])]


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.2em}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f2f2f2}
td:first-child,th:first-child{text-align:left}figure{margin:1em 0}img{max-width:100%}
figcaption{font-size:0.85em;color:#555}pre{background:#f7f7f7;padding:0.6em;overflow-x:auto}
.caption{font-style:italic;font-size:0.9em}.note{font-size:0.85em;color:#555}
"""


def to_html(title: str, blocks: list[Block]) -> str:
    escape = html.escape
    body = [f"<h1>{escape(title)}</h1>"]
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Code):
            body.append(f"<pre>{escape(block.text)}</pre>")
        elif isinstance(block, Table):
            body.append(_html_table(block))
        elif isinstance(block, Image):
            body.append(
                f'<figure><img src="{escape(block.path, quote=True)}" alt="{escape(block.caption, quote=True)}">'
                f"<figcaption>{escape(block.caption)}</figcaption></figure>"
            )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _html_table(table: Table) -> str:
    escape = html.escape
    columns, rows, hidden = _table_rows(table)
    parts = [f'<p class="caption">{escape(table.caption)}</p>'] if table.caption else []
    if not columns:
        return "".join(parts) + "<p>(empty)</p>"
    parts.append(
        "<table><thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead><tbody>"
    )
    parts += ["<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in rows]
    parts.append("</tbody></table>")
    note = _more_note(table, hidden)
    if note:
        parts.append(f'<p class="note">{escape(note)}</p>')
    return "".join(parts)


def write(out_dir: Path, title: str, blocks: list[Block]) -> tuple[Path, Path]:
    """Write ``index.md`` and ``index.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, page = out_dir / "index.md", out_dir / "index.html"
    markdown.write_text(to_markdown(title, blocks), encoding="utf-8")
    page.write_text(to_html(title, blocks), encoding="utf-8")
    return markdown, page
