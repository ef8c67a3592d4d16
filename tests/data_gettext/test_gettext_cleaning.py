"""Normalisation and the keep/drop rules for English messages and translations."""

from __future__ import annotations

import pytest

from xstilts.data.gettext.cleaning import english_verdict, message_id, normalise, translation_verdict


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("_File", "File"),
        ("Save _As", "Save As"),
        ("&Open file", "Open file"),
        ("ファイル(_F)", "ファイル"),
        ("파일 (_F)", "파일"),
        ("ZWNJ-_Trenner mit Breite null", "ZWNJ-Trenner mit Breite null"),
        ("pg_dump failed", "pg_dump failed"),
        ("GST_ELEMENT_*:3 und Kategorie_Name", "GST_ELEMENT_*:3 und Kategorie_Name"),
        ("%_d day of month", "%_d day of month"),
        ("lookup (e.g. _http._tcp.example.org)", "lookup (e.g. _http._tcp.example.org)"),
        ("AT&T syntax &amp; more", "AT&T syntax &amp; more"),
        ("_One and _Two", "_One and _Two"),  # two candidates: not an accelerator
        ("  two\n\tlines  here ", "two lines here"),
        ("Cafe\u0301 menu", "Café menu"),  # NFC
    ],
)
def test_normalise(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


@pytest.mark.parametrize(
    ("english", "verdict"),
    [
        ("cannot open the output file", None),
        ("cannot open %s: %s", "too_short"),
        ("%s: %s: %s", "too_short"),
        ("...!!!", "too_short"),
        ("Open", "too_short"),
        ("%s %s %s %s %s copy of files list", "placeholders"),
        ("<b>%s</b> <i>%s</i> {0} {1} $HOME shown here right now", "placeholders"),
        ("-v, --verbose explain what is being done", None),
        ("unable to restore backup version of '%.250s'", None),
        (" ".join(["word"] * 61), "too_long"),
    ],
)
def test_english_verdict(english: str, verdict: str | None) -> None:
    assert english_verdict(normalise(english)) == verdict


def test_translation_verdict() -> None:
    assert translation_verdict("Open the file now", "Datei jetzt öffnen") is None
    assert translation_verdict("Open the file now", "Open the file now") == "untranslated"
    assert translation_verdict("Open the file now", "") == "empty"


def test_message_id_is_stable() -> None:
    # Golden value: sha256("Open the file now") truncated to 16 hex digits; any change of the id
    # scheme would silently re-key every built dataset, so it must fail here.
    assert message_id("Open the file now") == "9a9b67332b58df73"
    assert message_id("Open the file now") != message_id("Open the file")
    assert len(message_id("x")) == 16
