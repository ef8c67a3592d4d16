"""Read compiled gettext catalogs (``.mo`` files) into (English msgid, translation) entries.

Why a reader of our own rather than :class:`gettext.GNUTranslations`: on this corpus the standard
reader rejects whole catalogs for problems that do not touch a single message. It decodes the
header as UTF-8 before it knows the charset (so a ``Last-Translator`` name in Latin-1 kills
``ca/diffutils``, ``de/net-tools``, ``gl/tar``, ``nb/psmisc``, ``sl/wget``) and it evaluates the
``Plural-Forms`` expression (``mn/glib20`` says ``Plural-Forms: 2``). Neither matters for a
corpus of message pairs; what does matter is kept explicit here:

- GNU ``.mo`` layout: magic ``0x950412de`` (either byte order), revision (major 0 or 1), the
  number of strings ``N``, and offsets of two tables of ``N`` (length, offset) pairs: original
  strings and translations. A bad magic, unknown revision or any offset past the end of the file
  makes the whole catalog unreadable (:class:`CatalogError`, one line naming the file).
- The header (entry with empty msgid) gives the charset; a missing/placeholder charset means
  ASCII-compatible UTF-8 (what ``msgfmt`` writes today). An unknown charset fails the catalog.
- Context: ``msgctxt`` is stored as ``context + "\\x04" + msgid``; it is split off.
- Plurals: ``msgid`` and ``msgid_plural`` are joined by NUL, as are the ``msgstr[i]``. We keep the
  singular msgid with ``msgstr[0]`` (the form used for n=1 in every Plural-Forms rule, and the
  only form in languages without plural distinction) and mark the entry ``plural``.
- Empty translations are not entries (``msgfmt`` omits them; an empty ``msgstr[0]`` is skipped
  here too). Fuzzy entries cannot be seen in a ``.mo``: ``msgfmt`` leaves them out unless run with
  ``--use-fuzzy``, which Debian packages do not do.
- A single string that does not decode in the declared charset drops that entry only (counted
  in :attr:`Catalog.undecodable`), because one bad byte should not cost the other thousands.
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from xstilts.errors import DataFormatError

MO_MAGIC = 0x950412DE
_CHARSET_RE = re.compile(rb"charset\s*=\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
CONTEXT_SEPARATOR = "\x04"


class CatalogError(DataFormatError):
    """A ``.mo`` file that cannot be read at all (the build skips it and reports this line)."""


@dataclass(frozen=True)
class CatalogEntry:
    """One translated message of one catalog."""

    msgid: str  # English source (singular form for plural entries)
    msgstr: str  # translation (msgstr[0] for plural entries)
    context: str | None = None
    plural: bool = False


@dataclass
class Catalog:
    """The readable entries of one ``<locale>/LC_MESSAGES/<domain>.mo``."""

    path: Path
    charset: str
    entries: list[CatalogEntry] = field(default_factory=list)
    undecodable: int = 0  # entries dropped because a string did not decode in ``charset``


def _charset_of(header: bytes, path: Path) -> str:
    match = _CHARSET_RE.search(header)
    if match is None:
        return "utf-8"
    name = match.group(1).decode("ascii").lower()
    if name in {"charset", "ascii", "us-ascii", "ansi_x3.4-1968"}:  # "CHARSET" = unfilled template
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise CatalogError(
            f"unknown charset {name!r} in the catalog header",
            file=path,
            fix="reinstall the package that ships this catalog, or remove the file",
        ) from None


def parse_mo(blob: bytes, path: Path) -> Catalog:
    """Parse the bytes of a ``.mo`` file (``path`` is only used in error messages)."""
    if len(blob) < 28:
        raise CatalogError(f"truncated .mo file ({len(blob)} bytes, header needs 28)", file=path, fix=_FIX)
    (magic,) = struct.unpack("<I", blob[:4])
    if magic == MO_MAGIC:
        order = "<"
    elif magic == struct.unpack(">I", struct.pack("<I", MO_MAGIC))[0]:
        order = ">"
    else:
        raise CatalogError(f"not a GNU .mo file (magic 0x{magic:08x})", file=path, fix=_FIX)
    revision, count, originals_at, translations_at = struct.unpack(order + "4I", blob[4:20])
    if revision >> 16 not in (0, 1):
        raise CatalogError(f"unsupported .mo revision {revision >> 16}", file=path, fix=_FIX)
    raw: list[tuple[bytes, bytes]] = []
    for index in range(count):
        raw.append(
            (
                _string_at(blob, order, originals_at + 8 * index, path),
                _string_at(blob, order, translations_at + 8 * index, path),
            )
        )
    header = next((translation for original, translation in raw if original == b""), b"")
    catalog = Catalog(path=path, charset=_charset_of(header, path))
    for original, translation in raw:
        if original == b"":
            continue
        try:
            entry = _entry(original.decode(catalog.charset), translation.decode(catalog.charset))
        except UnicodeDecodeError:
            catalog.undecodable += 1
            continue
        if entry is not None:
            catalog.entries.append(entry)
    return catalog


def _string_at(blob: bytes, order: str, table_at: int, path: Path) -> bytes:
    if table_at + 8 > len(blob):
        raise CatalogError(f"truncated .mo file (string table at byte {table_at})", file=path, fix=_FIX)
    length, offset = struct.unpack(order + "2I", blob[table_at : table_at + 8])
    if offset + length > len(blob):
        raise CatalogError(
            f"truncated .mo file (string at byte {offset} runs past the end)", file=path, fix=_FIX
        )
    return blob[offset : offset + length]


def _entry(original: str, translation: str) -> CatalogEntry | None:
    context = None
    if CONTEXT_SEPARATOR in original:
        context, _, original = original.partition(CONTEXT_SEPARATOR)
    plural = "\x00" in original
    msgid = original.split("\x00", 1)[0]
    msgstr = translation.split("\x00", 1)[0]
    if not msgid or not msgstr:
        return None
    return CatalogEntry(msgid=msgid, msgstr=msgstr, context=context, plural=plural)


_FIX = "reinstall the Debian package that ships it (dpkg -S <file>) or delete the file"


def read_mo(path: Path) -> Catalog:
    """Read one ``.mo`` file; any unreadable catalog raises :class:`CatalogError` (one line)."""
    try:
        blob = Path(path).read_bytes()
    except OSError as error:
        raise CatalogError(f"cannot read catalog: {error.strerror}", file=path, fix=_FIX) from None
    return parse_mo(blob, Path(path))


@dataclass(frozen=True)
class CatalogFile:
    """Where one catalog lives: ``<locale_dir>/<locale>/LC_MESSAGES/<catalog>.mo``."""

    locale: str
    catalog: str  # file stem, e.g. "coreutils" or "psql-15"
    path: Path


def find_catalogs(locale_dir: Path) -> list[CatalogFile]:
    """Every ``.mo`` under ``locale_dir``, sorted by (locale, catalog) for deterministic builds."""
    found = [
        CatalogFile(locale=mo.parent.parent.name, catalog=mo.stem, path=mo)
        for mo in Path(locale_dir).glob("*/LC_MESSAGES/*.mo")
        if mo.is_file()
    ]
    return sorted(found, key=lambda item: (item.locale, item.catalog))
