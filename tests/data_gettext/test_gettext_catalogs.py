"""The .mo reader on catalogs written in the real binary format (including broken ones)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gettext_fixtures import write_mo

from xstilts.data.gettext.catalogs import CatalogEntry, CatalogError, find_catalogs, read_mo


def test_reads_context_plural_and_skips_empty(tmp_path: Path) -> None:
    path = write_mo(
        tmp_path / "x.mo",
        [
            ("Open the file now", "Datei jetzt öffnen"),
            ("menu\x04Print the pages", "Seiten drucken"),
            ("one file removed\x00%d files removed", "eine Datei entfernt\x00%d Dateien entfernt"),
            ("Untranslated message here", ""),
        ],
    )
    catalog = read_mo(path)
    assert catalog.charset == "utf-8"
    assert set(catalog.entries) == {
        CatalogEntry("Open the file now", "Datei jetzt öffnen"),
        CatalogEntry("Print the pages", "Seiten drucken", context="menu"),
        CatalogEntry("one file removed", "eine Datei entfernt", plural=True),
    }


def test_latin1_catalog_with_latin1_header_is_read(tmp_path: Path) -> None:
    # gettext.GNUTranslations raises UnicodeDecodeError on this header (ca/diffutils on Debian).
    path = write_mo(
        tmp_path / "fi.mo",
        [("File not found here", "Tiedostoa ei löydy")],
        charset="ISO-8859-1",
        header_extra="Last-Translator: Jääskeläinen\n",
    )
    catalog = read_mo(path)
    assert catalog.charset == "iso8859-1"
    assert catalog.entries == [CatalogEntry("File not found here", "Tiedostoa ei löydy")]


def test_big_endian_catalog(tmp_path: Path) -> None:
    path = write_mo(tmp_path / "be.mo", [("Сообщение one two", "Сообщение")], big_endian=True)
    assert read_mo(path).entries[0].msgstr == "Сообщение"


def test_undecodable_entry_is_counted_not_fatal(tmp_path: Path) -> None:
    path = write_mo(
        tmp_path / "lie.mo",
        [("Good message text", "gut"), ("Bad message text", "schlecht äöü")],
        charset="UTF-8",
        encoding="latin-1",
    )
    catalog = read_mo(path)
    assert catalog.undecodable == 1
    assert [entry.msgid for entry in catalog.entries] == ["Good message text"]


@pytest.mark.parametrize(
    ("blob", "problem"),
    [
        (b"\x00\x01\x02\x03" + b"\0" * 40, "not a GNU .mo file"),
        (b"\xde\x12\x04\x95", "truncated .mo file"),
    ],
)
def test_broken_catalog_is_one_line_naming_the_file(tmp_path: Path, blob: bytes, problem: str) -> None:
    path = tmp_path / "broken.mo"
    path.write_bytes(blob)
    with pytest.raises(CatalogError) as caught:
        read_mo(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {problem}")
    assert "\n" not in message and "fix:" in message


def test_truncated_string_table(tmp_path: Path) -> None:
    good = write_mo(tmp_path / "t.mo", [("A long enough message", "Eine Nachricht")]).read_bytes()
    (tmp_path / "t.mo").write_bytes(good[:-10])
    with pytest.raises(CatalogError, match="runs past the end"):
        read_mo(tmp_path / "t.mo")


def test_unknown_charset_fails_the_catalog(tmp_path: Path) -> None:
    path = write_mo(tmp_path / "c.mo", [("Some message text", "x")], charset="ascii")
    path.write_bytes(path.read_bytes().replace(b"charset=ascii", b"charset=klngn"))  # same length
    with pytest.raises(CatalogError, match="unknown charset 'klngn'"):
        read_mo(path)


def test_find_catalogs_is_sorted(tmp_path: Path) -> None:
    for locale, domain in [("ru", "b"), ("de", "z"), ("de", "a")]:
        write_mo(tmp_path / locale / "LC_MESSAGES" / f"{domain}.mo", [])
    (tmp_path / "locale.alias").write_text("x")
    found = [(item.locale, item.catalog) for item in find_catalogs(tmp_path)]
    assert found == [("de", "a"), ("de", "z"), ("ru", "b")]
