"""Streaming text, TSV and JSON records with one-line errors.

Every reader goes through these few functions so that a malformed file always fails the same
way: a :class:`~xstilts.errors.DataFormatError` naming the file, the 1-based line and the fix.
Files are read as UTF-8 with an optional byte-order mark (some Windows exports carry one) and
streamed line by line: UD-POS and PAN-X files reach 100k lines, and nothing here builds more
than the current line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError

ENCODING = "utf-8-sig"


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line_number, line)`` pairs, 1-based, without the line break."""
    # newline="\n": only LF ends a line (a stray CR inside a field stays text); CRLF is stripped.
    with open(path, encoding=ENCODING, newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip("\r\n")


def split_tsv_line(line: str) -> list[str]:
    """Split one TSV line, undoing the quoting of Python's ``csv.writer``.

    XTREME writes its XNLI/PAWS-X files with ``csv.writer(delimiter='\\t')``, which wraps a field
    holding a double quote in quotes and doubles the quote; the fast path skips the csv module for
    the (vast majority of) lines without one.
    """
    if '"' not in line:
        return line.split("\t")
    return next(csv.reader([line], delimiter="\t"))


def json_error(
    path: Path, error: json.JSONDecodeError, *, line: int | None = None, fix: str | None = None
) -> DataFormatError:
    """A broken-JSON error at the decoder's position (``line`` overrides it for JSON Lines)."""
    return DataFormatError(
        f"broken JSON at column {error.colno}: {error.msg}",
        file=path,
        line=line if line is not None else error.lineno,
        fix=fix or "repair or re-export the file; each JSON Lines line must be one complete JSON object",
    )


def iter_jsonl(path: Path, fix: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line_number, record)`` for every non-blank line of a JSON Lines file.

    ``fix`` replaces the generic advice (e.g. "rebuild with `xstilts data build ...`" for datasets
    xstilts writes itself).
    """
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise json_error(path, error, line=number, fix=fix) from None
        if not isinstance(record, dict):
            raise DataFormatError(
                f"expected a JSON object, found {type(record).__name__}",
                file=path,
                line=number,
                fix=fix or "each line must be one JSON object (Dataset.to_json writes JSON Lines)",
            )
        yield number, record


def required_text(record: Mapping[str, Any], key: str, path: Path, line: int, fix: str) -> str:
    """``record[key]``, which must be a non-empty string."""
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataFormatError(f"missing or empty field {key!r}", file=path, line=line, fix=fix)
    return value


def read_built_jsonl(path: Path, fields: tuple[str, ...], rebuild: str) -> list[tuple[int, dict[str, Any]]]:
    """``(line_number, row)`` of a JSON Lines file xstilts built, each row checked for ``fields``.

    Built datasets (gettext, UDHR) are read through here: every row must carry each field as a
    non-empty string, and any problem is one line whose fix is ``rebuild`` (the build command).
    Unique ids, label sets and other dataset rules stay with the dataset's reader.
    """
    rows = []
    for number, row in iter_jsonl(path, fix=rebuild):
        for name in fields:
            required_text(row, name, path, number, rebuild)
        rows.append((number, row))
    return rows


def field(record: Mapping[str, Any], key: str, path: Path, line: int, fix: str, kind: type = str) -> Any:
    """``record[key]``, which must exist and have type ``kind``."""
    if key not in record:
        raise DataFormatError(f"missing field {key!r}", file=path, line=line, fix=fix)
    value = record[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DataFormatError(
            f"field {key!r} is {type(value).__name__}, expected {kind.__name__}",
            file=path,
            line=line,
            fix=fix,
        )
    return value


def first_field(record: Mapping[str, Any], keys: Sequence[str], path: Path, line: int, fix: str) -> str:
    """The first of ``keys`` present in ``record`` (a string), for exports that rename columns."""
    for key in keys:
        if key in record:
            return field(record, key, path, line, fix)
    raise DataFormatError(
        f"missing field {' or '.join(repr(k) for k in keys)}", file=path, line=line, fix=fix
    )


def iter_headed_tsv(
    path: Path, required: Sequence[str], fix: str, *, quoted: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a TSV file with a header line (GLUE), as ``{column: value}``.

    GLUE files are not quoted (``csv.QUOTE_NONE``: a double quote is text), so rows are plain
    ``split('\\t')`` unless ``quoted``. A row with another column count than the header, or a
    header without a ``required`` column, is an error.
    """
    lines = iter_lines(path)
    header_line = next(lines, None)
    if header_line is None:
        raise DataFormatError("the file is empty", file=path, line=1, fix=fix)
    header = header_line[1].split("\t")
    missing = [name for name in required if name not in header]
    if missing:
        raise DataFormatError(
            f"header lacks column(s) {', '.join(missing)} (found: {', '.join(header)})",
            file=path,
            line=1,
            fix=fix,
        )
    width = len(header)
    for number, line in lines:
        if not line.strip():
            continue
        cells = split_tsv_line(line) if quoted else line.split("\t")
        if len(cells) != width:
            raise DataFormatError(
                f"expected {width} tab-separated columns like the header, found {len(cells)}",
                file=path,
                line=number,
                fix=fix,
            )
        yield number, dict(zip(header, cells, strict=True))
