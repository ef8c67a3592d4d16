"""Tiny gettext fixtures in the real GNU ``.mo`` format, written by the tests themselves.

:func:`write_mo` produces what ``msgfmt`` produces (magic 0x950412de, revision 0, two tables of
(length, offset) pairs, NUL-terminated strings; contexts joined by EOT, plural forms by NUL), so
the reader under test meets the real binary layout. :func:`make_locale_dir` lays out a small
``/usr/share/locale`` look-alike with four message domains in several locales (Japanese and
Russian among them), a data catalog, locales the build must ignore and two broken catalogs.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAGIC = 0x950412DE


def write_mo(
    path: Path,
    entries: list[tuple[str, str]],
    *,
    charset: str = "UTF-8",
    header_extra: str = "",
    big_endian: bool = False,
    encoding: str | None = None,
) -> Path:
    """Write ``(msgid, msgstr)`` pairs (context as ``ctx\\x04id``, plurals NUL-joined) as a ``.mo``.

    ``encoding`` (default: ``charset``) encodes the strings; a different one makes a catalog that
    lies about its charset.
    """
    header = f"Content-Type: text/plain; charset={charset}\n{header_extra}"
    encoding = encoding or charset
    pairs = [(b"", header.encode(encoding))] + [(i.encode(encoding), s.encode(encoding)) for i, s in entries]
    pairs.sort(key=lambda pair: pair[0])
    order = ">" if big_endian else "<"
    count = len(pairs)
    originals_at = 28
    translations_at = originals_at + 8 * count
    strings_at = translations_at + 8 * count
    table_originals, table_translations, blob = b"", b"", b""
    for original, _ in pairs:
        table_originals += struct.pack(order + "2I", len(original), strings_at + len(blob))
        blob += original + b"\0"
    for _, translation in pairs:
        table_translations += struct.pack(order + "2I", len(translation), strings_at + len(blob))
        blob += translation + b"\0"
    head = struct.pack(order + "7I", MAGIC, 0, count, originals_at, translations_at, 0, strings_at)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + table_originals + table_translations + blob)
    return path


# English templates by msgkind, filled with per-domain nouns: (template, kind).
_TEMPLATES = [
    ("cannot read the {a} {b} file", "error"),
    ("Do you want to remove the {a} {b} now?", "question"),
    ("-q, --{a}-{b} show the {a} {b} value", "usage"),
    ("Default {A} {B} Window Layout", "label"),
    ("The {a} {b} has been updated successfully.", "info"),
]
NOUNS = {
    "coreutils": ("block", "inode", "symlink", "owner"),
    "git": ("commit", "branch", "remote", "rebase"),
    "gtk20": ("widget", "toolbar", "palette", "cursor"),
    "apt": ("mirror", "archive", "keyring", "snapshot"),
}
JA_NOUNS = {"coreutils": "ブロック", "git": "コミット", "gtk20": "ウィジェット", "apt": "ミラー"}


def generated_messages(domain: str) -> list[tuple[str, str]]:
    """(English, kind) for 5 kinds x 9 noun pairs = 45 messages of one domain."""
    nouns = NOUNS[domain]
    out = []
    for template, kind in _TEMPLATES:
        for a in nouns:
            for b in nouns[:3]:
                if a == b:
                    continue
                text = template.format(a=a, b=b, A=a.capitalize(), B=b.capitalize())
                out.append((text, kind))
    return out


def _translate(language: str, domain: str, index: int, english: str) -> str:
    if language == "ja":
        return f"{JA_NOUNS[domain]}の項目{index}番を処理します"
    if language == "ru":
        return f"Сообщение {domain} номер {index}: обработка"
    if language == "fi":
        return f"Viesti {domain} numero {index}: käsittely jäädytetty"
    if language == "de":
        return f"Meldung {domain} Nummer {index}: Bearbeitung"
    return f"{language} {domain} {index}: {english[::-1]}"


# Special messages: (domain, msgid, {language: msgstr}) exercising cleaning and dedup.
AMBIGUOUS = "write error while closing the output stream"
SHARED = "memory exhausted while reading the input"
SPECIALS: list[tuple[str, str, dict[str, str]]] = [
    ("coreutils", AMBIGUOUS, {"de": "Schreibfehler beim Schließen der Ausgabe"}),
    ("git", AMBIGUOUS, {"de": "Schreibfehler beim Schließen des Ausgabestroms"}),
    (
        "coreutils",
        SHARED,
        {"de": "Speicher erschöpft beim Lesen der Eingabe", "ru": "память исчерпана при чтении"},
    ),
    (
        "grep",
        SHARED,
        {"de": "Speicher erschöpft beim Lesen der Eingabe", "ru": "память исчерпана при чтении"},
    ),
    ("coreutils", "%s: %s: %s", {"de": "%s: %s: %s"}),
    ("coreutils", "%s %s %s %s %s copy of files list", {"de": "%s %s %s %s %s Kopie der Dateiliste"}),
    ("gtk20", "_Open", {"de": "_Öffnen", "ja": "開く(_O)"}),
    (
        "gtk20",
        "Save the _Current Document Copy",
        {"de": "Aktuelles Dokument _speichern", "ja": "現在の文書を保存(_C)"},
    ),
    ("gtk20", "menu\x04Print the selected pages now", {"de": "Ausgewählte Seiten jetzt drucken"}),
    (
        "coreutils",
        "Deleted one old backup file\x00Deleted %d old backup files",
        {"de": "Eine alte Sicherungsdatei gelöscht\x00%d alte Sicherungsdateien gelöscht"},
    ),
    ("gtk20", "The toolbar list was refreshed today.", {"ru": "The toolbar list was refreshed today."}),
]


def make_locale_dir(root: Path) -> Path:
    """A small ``/usr/share/locale`` look-alike (see the module docstring); returns ``root``."""
    coverage = {
        "de": ["coreutils", "git", "gtk20", "apt", "grep"],
        "ru": ["coreutils", "git", "gtk20", "apt", "grep"],
        "ja": ["coreutils", "gtk20", "apt", "git"],
        "fi": ["coreutils", "gtk20", "apt"],
        "pt_BR": ["coreutils", "gtk20", "apt"],
        "pt": ["coreutils"],
        "zh_TW": ["coreutils"],
        "en_GB": ["coreutils"],
        "sr@latin": ["coreutils"],
    }
    for locale, domains in coverage.items():
        for domain in domains:
            entries: list[tuple[str, str]] = []
            if domain in NOUNS:
                for index, (english, _kind) in enumerate(generated_messages(domain)):
                    if locale == "fi" and index % 3 == 2:
                        continue  # Finnish translates two thirds: coverage differs by language
                    language = locale.split("_")[0].split("@")[0]
                    entries.append((english, _translate(language, domain, index, english)))
            for special_domain, msgid, translations in SPECIALS:
                language = locale.split("_")[0]
                if special_domain == domain and language in translations:
                    entries.append((msgid, translations[language]))
            path = root / locale / "LC_MESSAGES" / f"{domain}.mo"
            if locale == "fi" and domain == "coreutils":
                # Latin-1 catalog whose header has a Latin-1 name (the stdlib reader rejects it).
                write_mo(path, entries, charset="ISO-8859-1", header_extra="Last-Translator: Jääskeläinen\n")
            elif locale == "ru" and domain == "gtk20":
                write_mo(path, entries, big_endian=True)
            else:
                write_mo(path, entries)
    write_mo(root / "de" / "LC_MESSAGES" / "iso_639.mo", [("Abkhazian language name", "Abchasisch")])
    write_mo(root / "de" / "LC_MESSAGES" / "unpinned-thing.mo", [("Some unpinned message text", "Etwas")])
    # Two broken catalogs: a bad magic number and a truncated file.
    (root / "de" / "LC_MESSAGES" / "apt.mo").write_bytes(b"\x00\x01\x02\x03" + b"\0" * 40)
    truncated = (root / "ja" / "LC_MESSAGES" / "git.mo").read_bytes()
    (root / "ja" / "LC_MESSAGES" / "git.mo").write_bytes(truncated[: len(truncated) // 2])
    return root
