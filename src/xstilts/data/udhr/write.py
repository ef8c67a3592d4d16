"""Writing the dataset folder: retrieval files, the language table and the manifest.

Layout (``<data>/udhr/v1/``)::

    manifest.json            provenance, thresholds, every kept and dropped version
    languages.csv            language,name,family,latitude,longitude,script,units (for maps/analysis)
    retrieval/<code>.jsonl   {"id": "a<article>.<position>", "source": English, "target": <code>}

Everything is written into a fresh temporary folder beside the target and swapped in by rename,
so a reader sees either the old dataset or the new one, never half of one.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xstilts.data.manifest import DatasetManifest, FileRecord, file_record
from xstilts.data.udhr.selection import Candidate

RETRIEVAL_DIR = "retrieval"
LANGUAGES_CSV = "languages.csv"
CSV_COLUMNS = ("language", "name", "family", "latitude", "longitude", "script", "units")
NEAR_DUPLICATE_SHARE = 0.5  # share of identical units that flags two kept languages


@dataclass(frozen=True)
class KeptLanguage:
    code: str
    candidate: Candidate
    family: str
    script: str | None
    script_source: str


def _jsonl(candidate: Candidate) -> bytes:
    rows = (
        json.dumps({"id": unit.id, "source": unit.source, "target": unit.target}, ensure_ascii=False)
        for unit in candidate.alignment.units
    )
    return ("\n".join(rows) + "\n").encode("utf-8")


def _number(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None and math.isfinite(value) else None


def write_languages(
    directory: Path, kept: list[KeptLanguage]
) -> tuple[dict[str, dict[str, Any]], dict[str, FileRecord]]:
    """Write ``retrieval/*.jsonl`` and ``languages.csv``.

    Returns the manifest's per-language entries and a record (sha256, bytes, rows) of every file.
    """
    (directory / RETRIEVAL_DIR).mkdir(parents=True)
    entries: dict[str, dict[str, Any]] = {}
    files: dict[str, FileRecord] = {}
    for language in kept:
        candidate, entry = language.candidate, language.candidate.entry
        payload = _jsonl(candidate)
        relative = f"{RETRIEVAL_DIR}/{language.code}.jsonl"
        (directory / relative).write_bytes(payload)
        files[relative] = file_record(payload, candidate.alignment.size)
        record: dict[str, Any] = {
            "code": language.code,
            "udhr_key": entry.code,
            "iso6393": entry.iso6393,
            "bcp47": entry.bcp47,
            "name": entry.name,
            "family": language.family,
            "script": language.script,
            "script_source": language.script_source,
            "latitude": entry.latitude,
            "longitude": entry.longitude,
            "direction": entry.direction,
            "stage": entry.stage,
            "aligned_units": candidate.alignment.size,
            "mismatched_articles": list(candidate.alignment.mismatched_articles),
            "placeholders": candidate.alignment.placeholders,
            "log_length_correlation": _number(candidate.correlation, 4),
            "inline_corrections": candidate.declaration.corrections,
            "file": relative,
        }
        entries[language.code] = record
    with (directory / LANGUAGES_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for record in entries.values():
            writer.writerow(
                [
                    record["code"],
                    record["name"],
                    record["family"],
                    "" if record["latitude"] is None else record["latitude"],
                    "" if record["longitude"] is None else record["longitude"],
                    record["script"] or "",
                    record["aligned_units"],
                ]
            )
    files[LANGUAGES_CSV] = file_record((directory / LANGUAGES_CSV).read_bytes(), len(entries))
    return entries, files


def near_duplicates(kept: list[KeptLanguage]) -> list[dict[str, Any]]:
    """Pairs of kept languages sharing at least half their units verbatim (informational)."""
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    sizes = {}
    for language in kept:
        sizes[language.code] = language.candidate.alignment.size
        for unit in language.candidate.alignment.units:
            holders[(unit.id, unit.target)].append(language.code)
    shared: Counter[tuple[str, str]] = Counter()
    for codes in holders.values():
        for i, first in enumerate(codes):
            for second in codes[i + 1 :]:
                shared[tuple(sorted((first, second)))] += 1  # type: ignore[index]
    pairs = []
    for (first, second), count in sorted(shared.items()):
        if count >= NEAR_DUPLICATE_SHARE * min(sizes[first], sizes[second]):
            pairs.append({"languages": [first, second], "shared_units": count})
    return pairs


def write_manifest(directory: Path, manifest: DatasetManifest) -> None:
    """Write the manifest, last: its presence means every data file before it is complete."""
    manifest.write(directory)
