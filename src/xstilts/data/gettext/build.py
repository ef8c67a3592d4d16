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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xstilts.data.gettext import cleaning, datasets, splits
from xstilts.data.gettext.corpus import Corpus, collect, message_catalogs
from xstilts.data.gettext.domains import CLASSES, PINNED_DOMAINS
from xstilts.data.gettext.kinds import KINDS, RULES_VERSION
from xstilts.data.gettext.locales import CANDIDATE_LANGUAGES
from xstilts.errors import MissingResourceError
from xstilts.events import DatasetProgress, EventSink, emit
from xstilts.hashing import sha256_file
from xstilts.paths import data_dir
from xstilts.publish import publishing

BUILDER_VERSION = 2  # 2: parallel msgkind sources, same test items in every language
DATASET_SUBDIR = "gettext/v1"
MANIFEST = "manifest.json"


def dataset_dir() -> Path:
    """Where the built datasets live: ``XSTILTS_HOME/data/gettext/v1``."""
    return data_dir() / DATASET_SUBDIR


@dataclass
class BuildResult:
    """What a build did: ``built`` or ``up_to_date``, where, and the manifest."""

    status: str
    path: Path
    manifest: dict[str, Any]
    seconds: float


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


def input_fingerprint(locale_dir: Path) -> str:
    """sha256 over the build settings and the content of every catalog the build reads."""
    catalogs, presence = message_catalogs(locale_dir)
    digest = hashlib.sha256(json.dumps(_settings(), sort_keys=True).encode())
    digest.update(json.dumps(presence, sort_keys=True).encode())
    for catalog in catalogs:
        digest.update(f"{catalog.locale}/{catalog.catalog}\0".encode())
        digest.update(hashlib.sha256(catalog.path.read_bytes()).digest())
    return digest.hexdigest()


def _up_to_date(target: Path, fingerprint: str) -> dict[str, Any] | None:
    manifest_path = target / MANIFEST
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if manifest.get("input_fingerprint") != fingerprint or manifest.get("builder_version") != BUILDER_VERSION:
        return None
    for relative, info in manifest.get("files", {}).items():
        path = target / relative
        if not path.is_file() or sha256_file(path) != info.get("sha256"):
            return None
    return manifest


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
    fingerprint = input_fingerprint(locale_dir)
    if not force:
        manifest = _up_to_date(target, fingerprint)
        if manifest is not None:
            return BuildResult("up_to_date", target, manifest, time.perf_counter() - started)

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
    manifest = _manifest(corpus, pools, files, left_out, locale_dir, fingerprint)
    manifest["shared_items"] = shared
    _write_atomically(target, files, manifest, on_event)
    return BuildResult("built", target, manifest, time.perf_counter() - started)


def _manifest(
    corpus: Corpus, pools: dict[str, str], files: dict, left_out: dict, locale_dir: Path, fingerprint: str
) -> dict:
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
        "builder_version": BUILDER_VERSION,
        "rules_version": RULES_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "locale_dir": str(locale_dir),
        "input_fingerprint": fingerprint,
        "thresholds": thresholds(),
        "classes": list(CLASSES),
        "kinds": list(KINDS),
        "class_mapping": {
            label: [pin.name for pin in PINNED_DOMAINS if pin.coarse_class == label] for label in CLASSES
        },
        "excluded_domains": [pin.name for pin in PINNED_DOMAINS if pin.coarse_class is None],
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
        "files": {},  # filled with rows and sha256 while writing
    }


def _write_atomically(
    target: Path, files: dict[str, list[dict]], manifest: dict, on_event: EventSink | None = None
) -> None:
    """Write every file and the manifest into a sibling folder that then replaces ``target``."""
    with publishing(target, prefix=f".{target.name}.tmp-{os.getpid()}-") as staging:
        for done, relative in enumerate(sorted(files), 1):
            emit(on_event, DatasetProgress("gettext", "files written", done, len(files), relative))
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in files[relative])
            payload = text.encode("utf-8")
            path.write_bytes(payload)
            manifest["files"][relative] = {
                "rows": len(files[relative]),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
