"""Build the gettext task datasets: collect, split, write atomically, describe in a manifest.

The build is idempotent: its input fingerprint hashes the builder and rules versions, every
threshold, the pinned domain list and the *content* of every catalog it would read. If the
manifest on disk carries the same fingerprint and every file still has its recorded sha256, the
build does nothing and says so (``force`` rebuilds anyway). A build writes into a temporary
sibling directory and renames it into place, so a crash or Ctrl-C never leaves half a dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from xstilts.data.gettext import cleaning, datasets, splits
from xstilts.data.gettext.corpus import Corpus, collect, message_catalogs
from xstilts.data.gettext.domains import CLASSES, PINNED_DOMAINS
from xstilts.data.gettext.kinds import KINDS, RULES_VERSION
from xstilts.data.gettext.locales import CANDIDATE_LANGUAGES
from xstilts.data.manifest import (
    BuildResult,
    DatasetManifest,
    SourceRecord,
    file_record,
    read_manifest,
)
from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.events import DatasetProgress, EventSink, emit
from xstilts.hashing import sha256_file
from xstilts.paths import data_dir
from xstilts.publish import publishing

BUILDER_VERSION = 2  # 2: parallel msgkind sources, same test items in every language
DATASET_NAME, DATASET_VERSION = "gettext", "v1"
DATASET_SUBDIR = f"{DATASET_NAME}/{DATASET_VERSION}"


def dataset_dir() -> Path:
    """Where the built datasets live: ``XSTILTS_HOME/data/gettext/v1``."""
    return data_dir() / DATASET_SUBDIR


def _settings() -> dict[str, Any]:
    return {
        "builder_version": BUILDER_VERSION,
        "rules_version": RULES_VERSION,
        "thresholds": thresholds(),
        "pinned_domains": [[pin.name, pin.coarse_class, pin.versioned] for pin in PINNED_DOMAINS],
        "candidate_languages": list(CANDIDATE_LANGUAGES),
    }


def thresholds() -> dict[str, float]:
    return {
        "min_words": cleaning.MIN_WORDS,
        "max_words": cleaning.MAX_WORDS,
        "max_code_ratio": cleaning.MAX_CODE_RATIO,
        "test_per_class": splits.TEST_PER_CLASS,
        "dev_per_class": splits.DEV_PER_CLASS,
        **datasets.thresholds(),
    }


def catalog_sources(locale_dir: Path) -> tuple[list[SourceRecord], dict[str, list[str]]]:
    """Every catalog the build reads, with its sha256, and which pinned domains are present."""
    catalogs, presence = message_catalogs(locale_dir)
    sources = [
        SourceRecord(
            name=f"{catalog.locale}/{catalog.catalog}",
            sha256=sha256_file(catalog.path),
            detail=str(catalog.path),
        )
        for catalog in catalogs
    ]
    return sources, presence


def input_fingerprint(sources: list[SourceRecord], presence: dict[str, list[str]]) -> str:
    """sha256 over the build settings and the content of every catalog the build reads."""
    digest = hashlib.sha256(json.dumps(_settings(), sort_keys=True).encode())
    digest.update(json.dumps(presence, sort_keys=True).encode())
    for source in sources:
        digest.update(f"{source.name}\0{source.sha256}".encode())
    return digest.hexdigest()


def _up_to_date(target: Path, fingerprint: str) -> DatasetManifest | None:
    """The folder's manifest when it was built from the same input and is intact, else ``None``."""
    try:
        manifest = read_manifest(target)
    except DataFormatError:  # an older or damaged manifest: rebuild
        return None
    if manifest is None or manifest.input_fingerprint != fingerprint:
        return None
    if manifest.builder_version != str(BUILDER_VERSION):
        return None
    return manifest if manifest.intact(target) else None


def build(
    locale_dir: Path = Path("/usr/share/locale"),
    *,
    force: bool = False,
    out_dir: Path | None = None,
    on_event: EventSink | None = None,
) -> BuildResult:
    """Build (or confirm up to date) the gettext datasets from ``locale_dir`` into ``out_dir``.

    Progress (catalogs read, files written) goes to ``on_event`` as DatasetProgress events.
    """
    started = time.perf_counter()
    locale_dir = Path(locale_dir)
    target = Path(out_dir) if out_dir is not None else dataset_dir()
    if not locale_dir.is_dir():
        raise MissingResourceError(
            "gettext locale directory not found",
            file=locale_dir,
            fix="pass --locale-dir pointing at a folder of <locale>/LC_MESSAGES/<domain>.mo (Debian: /usr/share/locale)",
        )
    sources, presence = catalog_sources(locale_dir)
    fingerprint = input_fingerprint(sources, presence)
    if not force:
        manifest = _up_to_date(target, fingerprint)
        if manifest is not None:
            return BuildResult(target, manifest, rebuilt=False, seconds=time.perf_counter() - started)

    corpus = collect(locale_dir, on_event)
    if not corpus.messages:
        raise MissingResourceError(
            "no usable message in the pinned gettext catalogs",
            file=locale_dir,
            fix="install the Debian packages named in xstilts.data.gettext.domains (e.g. apt install coreutils git)",
        )
    languages = sorted(corpus.locales)
    pools = splits.split_pools(corpus.messages)
    files, left_out, shared = datasets.all_files(corpus.messages, pools, languages)
    details = _details(corpus, pools, files, left_out)
    details["shared_items"] = shared
    payloads = _payloads(files)
    manifest = DatasetManifest(
        dataset=DATASET_NAME,
        dataset_version=DATASET_VERSION,
        builder_version=str(BUILDER_VERSION),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        input_fingerprint=fingerprint,
        sources=sources,
        parameters=_parameters(locale_dir),
        languages=["en", *languages],
        files={relative: file_record(payloads[relative], len(files[relative])) for relative in payloads},
        details=details,
    )
    _write_atomically(target, payloads, manifest, on_event)
    return BuildResult(target, manifest, rebuilt=True, seconds=time.perf_counter() - started)


def _payloads(files: dict[str, list[dict]]) -> dict[str, bytes]:
    """Each file's exact bytes: one JSON object per line, UTF-8."""
    return {
        relative: "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in files[relative]).encode(
            "utf-8"
        )
        for relative in sorted(files)
    }


def _parameters(locale_dir: Path) -> dict[str, Any]:
    """The settings that shaped the output (the manifest's ``parameters``)."""
    return {
        "rules_version": RULES_VERSION,
        "locale_dir": str(locale_dir),
        "thresholds": thresholds(),
        "classes": list(CLASSES),
        "kinds": list(KINDS),
        "class_mapping": {
            label: [pin.name for pin in PINNED_DOMAINS if pin.coarse_class == label] for label in CLASSES
        },
        "excluded_domains": [pin.name for pin in PINNED_DOMAINS if pin.coarse_class is None],
    }


def _details(corpus: Corpus, pools: dict[str, str], files: dict, left_out: dict) -> dict:
    """The gettext report in the manifest's ``details``: domains, drops, per-task counts."""
    per_class: dict[str, Counter[str]] = {label: Counter() for label in CLASSES}
    for message in corpus.messages:
        per_class[message.label][pools[message.id]] += 1
    domains = []
    for pin in PINNED_DOMAINS:
        found = corpus.present.get(pin.name, [])
        entry: dict[str, Any] = {
            "name": pin.name,
            "class": pin.coarse_class,
            "package": pin.package,
            "present": bool(found),
            "catalogs": found,
        }
        if not found:
            entry["install_hint"] = f"apt install {pin.package}"
        domains.append(entry)
    tasks: dict[str, dict[str, dict[str, int]]] = {}
    for relative, rows in files.items():
        task, name = relative.split("/", 1)
        split, _, language = name.removesuffix(".jsonl").partition("-")
        tasks.setdefault(task, {}).setdefault(split, {})[language] = len(rows)
    return {
        "domains": domains,
        "missing_domains": [entry["name"] for entry in domains if not entry["present"]],
        "locales": corpus.locales,
        "catalogs_read": corpus.catalogs_read,
        "skipped_catalogs": corpus.skipped,
        "messages": {
            "kept": len(corpus.messages),
            "per_class_pool": {label: dict(sorted(counts.items())) for label, counts in per_class.items()},
        },
        "drops": {
            "english_messages": dict(sorted(corpus.english_drops.items())),
            "translations": {
                lang: dict(sorted(c.items())) for lang, c in sorted(corpus.translation_drops.items())
            },
            "undecodable_entries": corpus.undecodable_entries,
        },
        "left_out": left_out,
        "shared_items": {},  # task -> {items, languages}: every language's file holds the same ids
        "tasks": tasks,
        "label_counts": {
            relative: dict(sorted(Counter(row["label"] for row in rows).items()))
            for relative, rows in files.items()
            if rows and "label" in rows[0]
        },
    }


def _write_atomically(
    target: Path, payloads: dict[str, bytes], manifest: DatasetManifest, on_event: EventSink | None = None
) -> None:
    """Write every file and the manifest into a sibling folder that then replaces ``target``."""
    with publishing(target, prefix=f".{target.name}.tmp-{os.getpid()}-") as staging:
        for done, relative in enumerate(payloads, 1):
            emit(on_event, DatasetProgress("gettext", "files written", done, len(payloads), relative))
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(payloads[relative])
        manifest.write(staging)
