"""Collect the multi-parallel message corpus: one record per distinct clean English message.

Steps (each drop is counted under its reason for the manifest):

1. find every ``.mo`` under the locale directory; a catalog whose stem is no pinned domain is
   ignored, a pinned *excluded* (data) domain is recorded as present but not read;
2. read the catalogs of candidate-language locales; an unreadable catalog is skipped with its
   one-line reason and the build carries on; per-entry decoding failures are counted;
3. keep one locale per language (:mod:`xstilts.data.gettext.locales`) and, for a PostgreSQL
   domain installed in several majors, the highest major;
4. normalise msgid and msgstr (:mod:`xstilts.data.gettext.cleaning`), judge the English message
   once per distinct normalised text, and the translation per language;
5. deduplicate by normalised English text. The domains of a message are every pinned domain
   whose catalog (in any kept locale) contains it; if those map to more than one coarse class
   (gnulib's "write error" in coreutils and in git) the message is dropped as ``ambiguous_domain``.
   A message's catalog (the ``domain`` field of a row) is the alphabetically first of them.
   When one language translates it differently in different catalogs or contexts, the most
   frequent translation wins, ties going to the first (catalog, context) in sorted order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from xstilts.data.gettext.catalogs import CatalogError, CatalogFile, find_catalogs, read_mo
from xstilts.data.gettext.cleaning import english_verdict, message_id, normalise, translation_verdict
from xstilts.data.gettext.domains import DOMAIN_CLASSES, PINNED_DOMAINS, catalog_version, pinned_domain
from xstilts.data.gettext.locales import choose_locales, locale_language
from xstilts.events import DatasetProgress, EventSink, emit


@dataclass
class Message:
    """One distinct clean English message and its usable translations."""

    id: str
    en: str
    domains: tuple[str, ...]  # pinned domain names, sorted
    label: str  # coarse class
    translations: dict[str, str] = field(default_factory=dict)  # language -> text

    @property
    def domain(self) -> str:
        return self.domains[0]

    @property
    def coverage(self) -> int:
        return len(self.translations)


@dataclass
class Corpus:
    """Everything the dataset writers need, plus the bookkeeping the manifest reports."""

    messages: list[Message]  # sorted by id
    locales: dict[str, str]  # language -> locale kept
    present: dict[str, list[str]]  # pinned domain -> catalog stems found (any locale)
    catalogs_read: int
    skipped: list[str]  # one line per unreadable catalog
    english_drops: Counter[str]  # reason -> distinct English messages
    translation_drops: dict[str, Counter[str]]  # language -> reason -> entries
    undecodable_entries: int


def message_catalogs(locale_dir: Path) -> tuple[list[CatalogFile], dict[str, list[str]]]:
    """The catalogs worth reading (pinned message domains, candidate locales) and domain presence."""
    present: dict[str, set[str]] = defaultdict(set)
    wanted: list[CatalogFile] = []
    for catalog in find_catalogs(locale_dir):
        pin = pinned_domain(catalog.catalog)
        if pin is None:
            continue
        present[pin.name].add(catalog.catalog)
        if pin.coarse_class is not None and locale_language(catalog.locale) is not None:
            wanted.append(catalog)
    # several PostgreSQL majors in one locale: keep the highest
    newest: dict[tuple[str, str], CatalogFile] = {}
    for catalog in wanted:
        key = (catalog.locale, pinned_domain(catalog.catalog).name)  # type: ignore[union-attr]
        if key not in newest or catalog_version(catalog.catalog) > catalog_version(newest[key].catalog):
            newest[key] = catalog
    chosen = sorted(newest.values(), key=lambda item: (item.locale, item.catalog))
    presence = {pin.name: sorted(present.get(pin.name, ())) for pin in PINNED_DOMAINS}
    return chosen, presence


def collect(locale_dir: Path, on_event: EventSink | None = None) -> Corpus:
    """Read, clean and deduplicate the corpus under ``locale_dir`` (e.g. ``/usr/share/locale``).

    ``on_event`` receives a :class:`~xstilts.events.DatasetProgress` per catalog read.
    """
    catalogs, present = message_catalogs(locale_dir)
    skipped: list[str] = []
    undecodable = 0
    read: dict[tuple[str, str], list] = {}  # (locale, domain) -> entries
    for done, catalog in enumerate(catalogs, 1):
        emit(on_event, DatasetProgress("gettext", "catalogs read", done, len(catalogs), catalog.locale))
        try:
            parsed = read_mo(catalog.path)
        except CatalogError as error:
            skipped.append(error.one_line())
            continue
        undecodable += parsed.undecodable
        read[(catalog.locale, pinned_domain(catalog.catalog).name)] = parsed.entries  # type: ignore[union-attr]

    entry_counts: Counter[str] = Counter()
    for (locale, _domain), entries in read.items():
        entry_counts[locale] += len(entries)
    locales = choose_locales(entry_counts)
    language_of = {locale: language for language, locale in locales.items()}

    verdicts: dict[str, str | None] = {}  # normalised English -> drop reason
    domains_of: dict[str, set[str]] = defaultdict(set)
    # english -> language -> Counter of (translation) and first-seen order key
    candidates: dict[str, dict[str, list[tuple[str, str, str]]]] = defaultdict(lambda: defaultdict(list))
    translation_drops: dict[str, Counter[str]] = {language: Counter() for language in locales}
    for (locale, domain), entries in sorted(read.items()):
        language = language_of.get(locale)
        if language is None:
            continue
        for entry in entries:
            english = normalise(entry.msgid)
            if english not in verdicts:
                verdicts[english] = english_verdict(english)
            if verdicts[english] is not None:
                continue
            domains_of[english].add(domain)
            translation = normalise(entry.msgstr)
            reason = translation_verdict(english, translation)
            if reason is not None:
                translation_drops[language][reason] += 1
                continue
            candidates[english][language].append((domain, entry.context or "", translation))

    english_drops: Counter[str] = Counter(reason for reason in verdicts.values() if reason is not None)
    messages: list[Message] = []
    for english, domains in domains_of.items():
        classes = {DOMAIN_CLASSES[domain] for domain in domains}
        if len(classes) > 1:
            english_drops["ambiguous_domain"] += 1
            continue
        message = Message(
            id=message_id(english), en=english, domains=tuple(sorted(domains)), label=classes.pop()
        )
        for language, options in sorted(candidates[english].items()):
            message.translations[language] = _most_frequent(options)
        messages.append(message)
    messages.sort(key=lambda message: message.id)
    return Corpus(
        messages=messages,
        locales=locales,
        present=present,
        catalogs_read=len(read),
        skipped=skipped,
        english_drops=english_drops,
        translation_drops=translation_drops,
        undecodable_entries=undecodable,
    )


def _most_frequent(options: list[tuple[str, str, str]]) -> str:
    counts = Counter(text for _domain, _context, text in options)
    first_seen = {}
    for domain, context, text in sorted(options):
        first_seen.setdefault(text, (domain, context))
    return min(counts, key=lambda text: (-counts[text], first_seen[text]))
