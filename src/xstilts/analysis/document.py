"""A tiny document model rendered twice, through Jinja2 templates: to Markdown and to HTML.

The report is built once as a list of blocks, so the two renderings cannot drift apart. Rendering
is generic: each block becomes a plain "view" (a dict with a ``kind``) and the templates
(``templates/*.j2``, package data) draw each kind the same way wherever it appears, so a new
section made of these blocks needs no template change. Long tables fold into ``<details>`` by row
count; wide ones scroll inside their own box with sticky headers. The HTML template autoescapes
every piece of text (condition and language names come from user configs); images are files next
to the page, linked relatively, so the folder can be moved or zipped as a whole.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

MAX_TABLE_ROWS = 200  # rows rendered inline; the CSV always has them all
COLLAPSE_ROWS = 12  # longer tables fold into <details> unless a Table says otherwise


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
    summary: str = ""  # when set, the block folds into <details> under this one-line summary


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    csv: str = ""  # the CSV file (relative to the report) that holds the full table
    caption: str = ""
    collapsed: bool | None = None  # None: fold when longer than COLLAPSE_ROWS


@dataclass(frozen=True)
class Image:
    path: str  # relative to the report
    caption: str
    formats: tuple[str, ...] = ()  # the same figure in other formats (e.g. SVG, PDF), relative paths


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


def anchor(text: str) -> str:
    """The HTML id of a heading: lower-case words joined by dashes ("Answer" -> "answer")."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _table_view(table: Table) -> dict[str, Any]:
    frame = table.frame
    shown = frame.head(MAX_TABLE_ROWS)
    columns = [str(c) for c in shown.columns]
    rows = [
        [format_cell(v, c) for v, c in zip(record, columns, strict=True)]
        for record in shown.itertuples(index=False)
    ]
    collapsed = len(frame) > COLLAPSE_ROWS if table.collapsed is None else table.collapsed
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]  # fmt: skip
    return {"kind": "table", "columns": columns, "rows": rows, "numeric": numeric, "n_rows": len(frame),
            "hidden": len(frame) - len(shown), "csv": table.csv, "caption": table.caption,
            "collapsed": collapsed}  # fmt: skip


def _view(block: Block) -> dict[str, Any]:
    """A block as the plain dict the templates draw (one ``kind`` per block type)."""
    if isinstance(block, Heading):
        return {"kind": "heading", "text": block.text, "level": block.level, "id": anchor(block.text)}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text}
    if isinstance(block, Bullets):
        return {"kind": "bullets", "items": list(block.items)}
    if isinstance(block, Code):
        return {"kind": "code", "text": block.text, "summary": block.summary,
                "n_lines": block.text.count("\n") + 1}  # fmt: skip
    if isinstance(block, Table):
        return _table_view(block)
    if isinstance(block, Image):
        formats = [(Path(p).suffix.lstrip(".").upper(), p) for p in block.formats]
        return {"kind": "image", "path": block.path, "caption": block.caption, "formats": formats}
    raise TypeError(f"not a document block: {type(block).__name__}")


def _unique_ids(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Headings that repeat (e.g. two "Tasks") get -2, -3 suffixes so every anchor is unique."""
    seen: dict[str, int] = {}
    for view in views:
        if view["kind"] == "heading":
            count = seen.get(view["id"], 0) + 1
            seen[view["id"]] = count
            if count > 1:
                view["id"] = f"{view['id']}-{count}"
    return views


def _markdown_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("xstilts.analysis", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["mdcell"] = _markdown_cell
    return environment


def _sections(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks grouped under their level-2 heading, so a page can style a section (e.g. the answer)."""
    sections: list[dict[str, Any]] = [{"id": "", "blocks": []}]
    for view in views:
        if view["kind"] == "heading" and view["level"] == 2:
            sections.append({"id": view["id"], "blocks": []})
        sections[-1]["blocks"].append(view)
    return [section for section in sections if section["blocks"]]


def _render(template: str, title: str, blocks: list[Block], *, autoescape: bool) -> str:
    views = _unique_ids([_view(block) for block in blocks])
    toc = [view for view in views if view["kind"] == "heading" and view["level"] == 2]
    return (
        _environment(autoescape)
        .get_template(template)
        .render(title=title, blocks=views, sections=_sections(views), toc=toc)
    )


def to_markdown(title: str, blocks: list[Block]) -> str:
    text = _render("report.md.j2", title, blocks, autoescape=False)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def to_html(title: str, blocks: list[Block]) -> str:
    return _render("report.html.j2", title, blocks, autoescape=True)


def write(out_dir: Path, title: str, blocks: list[Block]) -> tuple[Path, Path]:
    """Write ``index.md`` and ``index.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, page = out_dir / "index.md", out_dir / "index.html"
    markdown.write_text(to_markdown(title, blocks), encoding="utf-8")
    page.write_text(to_html(title, blocks), encoding="utf-8")
    return markdown, page
