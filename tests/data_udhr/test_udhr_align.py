"""Alignment by (article, position) and the log-length check."""

from __future__ import annotations

import math

from udhr_fixtures import english_articles, render_html, translate

from xstilts.data.udhr.align import align_to_english, log_length_correlation
from xstilts.data.udhr.parse import parse_declaration


def _parse(code: str, articles: dict[int, list[str]]):
    return parse_declaration(render_html(code, code, code, code, articles), f"{code}.html")


def test_merged_article_is_dropped_and_placeholders_skipped() -> None:
    eng = english_articles()
    version = translate(eng, lambda w: w[::-1])
    version[2] = [version[2][0] + " " + version[2][1]]  # one unit where English has two
    version[23][1] = "&1"
    alignment = align_to_english(_parse("eng", eng), _parse("mal", version))
    assert alignment.mismatched_articles == (2,)
    assert alignment.placeholders == 1
    assert alignment.size == 47
    ids = [unit.id for unit in alignment.units]
    assert "a2.1" not in ids and "a23.2" not in ids and "a23.3" in ids
    first = alignment.units[0]
    assert (first.id, first.target) == ("a1.1", " ".join(w[::-1] for w in eng[1][0].split()))
    assert log_length_correlation(alignment) > 0.99


def test_shifted_units_do_not_track_english_lengths() -> None:
    eng = english_articles()
    flat = [unit for n in sorted(eng) for unit in eng[n]]
    shifted_flat = flat[2:] + flat[:2]
    shifted, cursor = {}, 0
    for number in sorted(eng):
        shifted[number] = shifted_flat[cursor : cursor + len(eng[number])]
        cursor += len(eng[number])
    alignment = align_to_english(_parse("eng", eng), _parse("bin", shifted))
    assert alignment.size == 50  # same counts everywhere: count alone cannot tell
    assert log_length_correlation(alignment) < 0.8


def test_correlation_is_nan_when_undefined() -> None:
    eng = english_articles()
    alignment = align_to_english(_parse("eng", eng), _parse("tgl", {1: ["ᜀᜅ᜔ ᜎᜑᜆ᜔"]}))
    assert alignment.size == 1 and math.isnan(log_length_correlation(alignment))
