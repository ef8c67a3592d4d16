"""Locale -> language mapping and the one-locale-per-language rule."""

from __future__ import annotations

import pytest

from xstilts.data.gettext.locales import CANDIDATE_LANGUAGES, choose_locales, locale_language


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("de", "de"),
        ("pt_BR", "pt"),
        ("zh_CN", "zh"),
        ("zh_Hans", "zh"),
        ("zh_TW", None),
        ("zh_HK", None),
        ("sr@latin", None),
        ("uz@cyrillic", None),
        ("en_GB", None),
        ("en@quot", None),
        ("ast", None),  # a real language, but not in the registry's candidate list
        ("nb", None),
        ("uk", "uk"),
        ("locale.alias", None),
    ],
)
def test_locale_language(locale: str, language: str | None) -> None:
    assert locale_language(locale) == language


def test_one_locale_per_language_most_entries_wins() -> None:
    chosen = choose_locales({"pt": 10, "pt_BR": 30, "de": 5, "de_CH": 5, "zh_TW": 99, "zh_CN": 3, "ja": 0})
    assert chosen == {"de": "de", "pt": "pt_BR", "zh": "zh_CN"}


def test_candidates_are_registry_languages_without_english() -> None:
    assert "en" not in CANDIDATE_LANGUAGES
    assert {"uk", "pl", "ja", "sw"} <= set(CANDIDATE_LANGUAGES)
