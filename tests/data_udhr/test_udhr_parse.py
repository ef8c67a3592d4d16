"""Parsing declaration HTML (real markup) into article units."""

from __future__ import annotations

import unicodedata

import pytest
from udhr_fixtures import english_articles, render_html, translate

from xstilts.data.udhr.parse import apply_inline_corrections, normalise_unit, parse_declaration
from xstilts.errors import DataFormatError


def test_english_units_follow_the_real_layout_without_headings_or_preamble() -> None:
    html = render_html("eng", "eng", "en", "English", english_articles())
    declaration = parse_declaration(html, "declaration/eng.html")
    assert declaration.unit_count == 50
    assert len(declaration.articles) == 30
    assert [len(declaration.articles[n]) for n in (1, 2, 16, 23)] == [1, 2, 3, 4]
    text = " ".join(u for units in declaration.articles.values() for u in units if u)
    assert "Article" not in text  # headings never become units
    assert "Whereas" not in text and "therefore" not in text  # the preamble is left out
    assert (declaration.code, declaration.iso6393, declaration.lang, declaration.direction) == (
        "eng",
        "eng",
        "en",
        "ltr",
    )


def test_rtl_entities_and_placeholders() -> None:
    articles = translate(english_articles(), lambda w: "ب" * len(w))
    articles[11] = ["&1", ""]  # an `&1` placeholder and an empty <li></li>
    articles[3] = ["a <b> & c"]
    html = render_html("arb", "arb", "ar", "Arabic", articles, direction="rtl")
    assert "<li></li>" in html and "&#x26;1" in html
    declaration = parse_declaration(html, "declaration/arb.html")
    assert declaration.direction == "rtl"
    assert declaration.articles[11] == (None, None)  # positions kept, text gone
    assert declaration.articles[3] == ("a <b> & c",)  # &#x26; / &#x3C; decoded
    assert declaration.unit_count == 50


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),
        ("&1", None),
        ("@", None),
        ("O", None),  # a lone letter (amr Article 13) is a placeholder too
        ("  Everyone\n   has\u00a0rights. ", "Everyone has rights."),
        ("e\u0301te\u0301", "été"),  # decomposed -> NFC
        ("ন্\u200dয\u200cা", "ন্\u200dয\u200cা"),  # ZWJ/ZWNJ are kept
    ],
)
def test_normalise_unit(raw: str, expected: str | None) -> None:
    text, _ = normalise_unit(raw)
    assert text == expected
    if text:
        assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [  # the four real corrections in udhr 6.0.0's Thai version
        ("และใต้[ได้]มีการ", "และได้มีการ"),
        ("ในเกียรติศักด[เกียรติศักดิ์]และ", "ในเกียรติศักดิ์และ"),
        ("ที่จะถือเกา[เอา]ความ", "ที่จะถือเอาความ"),
        ("และตวม[ตาม]ระบอบ", "และตามระบอบ"),
    ],
)
def test_thai_inline_corrections_replace_the_typo(raw: str, expected: str) -> None:
    assert apply_inline_corrections(raw) == (expected, 1)


def test_bracket_after_a_space_is_the_translators_text() -> None:
    text = "туганарча [туганнарча] мөнәсәбәт, Oho [siettcha] aage"
    assert apply_inline_corrections(text) == (text, 0)


def _broken(replace: tuple[str, str] | None = None, html: str | None = None) -> str:
    base = html or render_html("xal", "xal", "xal", "Kalmyk", english_articles())
    return base.replace(*replace, 1) if replace else base


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        (_broken(("</ol>", "</ul>")), "</ul> closes <ol>"),
        (_broken(('data-number="5"', 'data-number="five"')), "data-number 'five'"),
        (_broken(('data-number="5"', 'data-number="4"')), "article 4 appears twice"),
        (_broken(("<p>everyone", "stray words<p>everyone")), "text outside any paragraph"),
        (_broken(("</body>\n</html>", "")), "is never closed"),
        ('<!doctype html>\n<html data-code="x" lang="x"><body><header><p>Only a preamble</p></header></body></html>', "no <article> elements"),
    ],
)  # fmt: skip
def test_malformed_html_is_one_line_naming_file_and_line(html: str, problem: str) -> None:
    with pytest.raises(DataFormatError) as raised:
        parse_declaration(html, "package/declaration/xal.html")
    message = str(raised.value)
    assert problem in message
    assert message.startswith("package/declaration/xal.html")
    assert "\n" not in message


def test_error_names_the_line_of_the_problem() -> None:
    html = _broken(("</ol>", "</ul>"))
    expected_line = next(i for i, line in enumerate(html.splitlines(), start=1) if "</ul>" in line)
    with pytest.raises(DataFormatError) as raised:
        parse_declaration(html, "x.html")
    assert raised.value.line == expected_line
