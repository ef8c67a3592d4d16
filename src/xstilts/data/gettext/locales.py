"""Which gettext locale stands for which language: one locale per language, by a fixed rule.

Only languages of the xstilts registry are built (:data:`CANDIDATE_LANGUAGES`: the XTREME
languages plus ``uk`` and ``pl``, English excluded because it is the msgid side). A locale
directory name ``ll[_RR][@modifier]`` maps to a language by its ``ll`` part through
:func:`xstilts.languages.get_language` (``zh_CN -> zh``, ``pt_BR -> pt``). The rule that keeps
one locale per language:

1. locales with an ``@modifier`` are out (``sr@latin``, ``uz@cyrillic``, ``ca@valencia``: another
   script or orthography than the registry's, which records one script per language);
2. Chinese keeps only Simplified locales (``zh_CN``, ``zh_SG``, ``zh_Hans``), the registry's
   script for ``zh`` (Hans); ``zh_TW``, ``zh_HK`` and ``zh_Hant`` are Traditional;
3. among what is left (``pt``/``pt_BR``/``pt_PT``, ``bn``/``bn_BD``/``bn_IN``, ``de``/``de_CH``),
   the locale with the most entries in the pinned message catalogs wins; ties go to the shorter,
   then alphabetically first name. Locales are never merged, so every translation of a language
   comes from one regional standard.
"""

from __future__ import annotations

from collections.abc import Mapping

from xstilts.errors import XstiltsError
from xstilts.languages import LANGUAGES, get_language

CANDIDATE_LANGUAGES: tuple[str, ...] = tuple(code for code in LANGUAGES if code != "en")
_SIMPLIFIED_CHINESE = {"zh_CN", "zh_SG", "zh_Hans"}


def locale_language(locale: str) -> str | None:
    """The registry language a locale directory stands for, or None if it is not a candidate."""
    if "@" in locale or locale.startswith("en"):
        return None
    base = locale.split(".", 1)[0]
    code = base.split("_", 1)[0]
    if code == "zh" and base not in _SIMPLIFIED_CHINESE:
        return None
    if not code.isalpha() or not code.islower():
        return None
    try:
        language = get_language(code)
    except XstiltsError:
        return None
    return language.code if language.code in CANDIDATE_LANGUAGES else None


def choose_locales(entry_counts: Mapping[str, int]) -> dict[str, str]:
    """language -> the locale kept for it, from ``locale -> entries in pinned message catalogs``."""
    best: dict[str, tuple[int, int, str]] = {}
    for locale, count in entry_counts.items():
        language = locale_language(locale)
        if language is None or count == 0:
            continue
        rank = (-count, len(locale), locale)
        if language not in best or rank < best[language]:
            best[language] = rank
    return {language: rank[2] for language, rank in sorted(best.items())}
