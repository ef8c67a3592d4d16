"""Which versions become test languages: filters, de-duplication and one version per language.

Every version that is not kept gets exactly one reason (the first that applies, in this order):

1. ``malformed_html`` / ``missing_file``: the file cannot be read (the build goes on without it).
2. ``undetermined_language``: ISO code ``und``: no typology exists for it.
3. ``pivot_language``: English is the source side of every pair, never a test language.
4. ``too_few_aligned_units``: fewer than ``MIN_ALIGNED_UNITS`` units align with English (e.g.
   ``tgl_tglg`` has Article 1 only).
5. ``lengths_do_not_track_english``: log-length correlation below ``MIN_LOG_LENGTH_CORRELATION``
   (see :mod:`.align`): a shifted or paraphrased version whose unit i is not English's unit i. The
   threshold sits below every XTREME language (minimum 0.885, Malayalam) and the median (0.944).
6. ``duplicate_content``: the same text as a better-ranked version (``ckb`` is ``kmr``'s text).
7. ``other_version_kept``: another version of the same language ranks higher.

Ranking (used by 6 and 7), best first: the version XTREME's evaluation uses for the 40 XTREME
languages (pinned below, so typology and XTREME comparisons see the same text); then the
unsuffixed key (``tam`` over ``tam_LK``, ``jpn`` over ``jpn_osaka``); then a lettered key over a
numbered one (``007``-``071`` are later additions, mostly second translations such as "Latvian
(2)"); then no script subtag in the BCP 47 tag (the language's usual script, e.g. ``kmr``'s ``ku``
over ``ckb``'s ``ckb-Latn``); then more aligned units, higher correlation, and the key's name as
the final tie-break.

Language codes are the index's ISO 639-3 codes, except that the individual codes of XTREME
macrolanguages become the registry's macrolanguage code (``arb`` -> ``ara``, ...), because URIEL
holds different data for the two and :mod:`xstilts.languages` uses the macrolanguage.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from xstilts.data.udhr.align import Alignment
from xstilts.data.udhr.index_js import IndexEntry
from xstilts.data.udhr.parse import Declaration

MIN_ALIGNED_UNITS = 45
MIN_LOG_LENGTH_CORRELATION = 0.8
PIVOT_KEY = "eng"
PIVOT_LANGUAGE = "eng"
UNDETERMINED = "und"

# Individual ISO 639-3 codes of XTREME macrolanguages -> the registry's (lang2vec) code.
INDIVIDUAL_TO_REGISTRY = {
    "arb": "ara",
    "cmn": "zho",
    "zlm": "msa",
    "zsm": "msa",
    "pes": "fas",
    "ekk": "est",
    "swh": "swa",
}

# The package key XTREME's languages are evaluated on (XTREME ISO 639-1 code -> udhr key).
XTREME_VERSIONS = {
    "af": "afr",
    "ar": "arb",
    "bg": "bul",
    "bn": "ben",
    "de": "deu_1996",
    "el": "ell_monotonic",
    "es": "spa",
    "et": "est",
    "eu": "eus",
    "fa": "pes_1",
    "fi": "fin",
    "fr": "fra",
    "he": "heb",
    "hi": "hin",
    "hu": "hun",
    "id": "ind",
    "it": "ita",
    "ja": "jpn",
    "jv": "jav",
    "ka": "kat",
    "kk": "kaz",
    "ko": "kor",
    "ml": "mal",
    "mr": "mar",
    "ms": "mly_latn",
    "my": "mya",
    "nl": "nld",
    "pt": "por_PT",
    "ru": "rus",
    "sw": "swh",
    "ta": "tam",
    "te": "tel",
    "th": "tha",
    "tl": "tgl",
    "tr": "tur",
    "ur": "urd",
    "vi": "vie",
    "yo": "yor",
    "zh": "cmn_hans",
}
_PINNED_KEYS = frozenset(XTREME_VERSIONS.values())


def dataset_code(iso6393: str) -> str:
    """The code a version's language has in the dataset (see module docstring)."""
    return INDIVIDUAL_TO_REGISTRY.get(iso6393, iso6393)


@dataclass(frozen=True)
class Candidate:
    """A version that parsed, with everything the selection needs."""

    entry: IndexEntry
    declaration: Declaration
    alignment: Alignment
    correlation: float
    content_key: str  # hash of all article units: equal keys = textually identical versions

    @property
    def key(self) -> str:
        return self.entry.code

    @property
    def language(self) -> str:
        return dataset_code(self.entry.iso6393)


@dataclass(frozen=True)
class Drop:
    key: str
    iso6393: str
    name: str
    reason: str
    detail: str = ""
    aligned_units: int | None = None
    log_length_correlation: float | None = None

    def as_json(self) -> dict[str, object]:
        row: dict[str, object] = {"key": self.key, "iso6393": self.iso6393, "name": self.name}
        row["reason"] = self.reason
        if self.detail:
            row["detail"] = self.detail
        if self.aligned_units is not None:
            row["aligned_units"] = self.aligned_units
        if self.log_length_correlation is not None and math.isfinite(self.log_length_correlation):
            row["log_length_correlation"] = round(self.log_length_correlation, 4)
        return row


def _drop(candidate: Candidate, reason: str, detail: str = "") -> Drop:
    return Drop(
        key=candidate.key,
        iso6393=candidate.entry.iso6393,
        name=candidate.entry.name,
        reason=reason,
        detail=detail,
        aligned_units=candidate.alignment.size,
        log_length_correlation=candidate.correlation,
    )


def rank(candidate: Candidate) -> tuple[object, ...]:
    """Sort key, best first (see module docstring)."""
    entry = candidate.entry
    has_script_subtag = any(len(sub) == 4 and sub.isalpha() for sub in entry.bcp47.split("-")[1:])
    correlation = candidate.correlation if math.isfinite(candidate.correlation) else -1.0
    return (
        entry.code not in _PINNED_KEYS,
        entry.code != entry.iso6393,
        entry.code.isdigit(),
        has_script_subtag,
        -candidate.alignment.size,
        -correlation,
        entry.code,
    )


def filter_candidates(candidates: list[Candidate]) -> tuple[list[Candidate], list[Drop]]:
    """Steps 2-5 of the module docstring: (passing candidates, drops)."""
    passing: list[Candidate] = []
    drops: list[Drop] = []
    for candidate in candidates:
        if candidate.entry.iso6393 == UNDETERMINED:
            drops.append(_drop(candidate, "undetermined_language", "ISO 639-3 'und': no typology"))
        elif candidate.language == PIVOT_LANGUAGE:
            if candidate.key != PIVOT_KEY:
                drops.append(_drop(candidate, "pivot_language", "English is the source side"))
        elif candidate.alignment.size < MIN_ALIGNED_UNITS:
            detail = f"{candidate.alignment.size} < {MIN_ALIGNED_UNITS} aligned units"
            drops.append(_drop(candidate, "too_few_aligned_units", detail))
        elif not candidate.correlation >= MIN_LOG_LENGTH_CORRELATION:  # NaN fails too
            detail = f"log-length correlation {candidate.correlation:.3f} < {MIN_LOG_LENGTH_CORRELATION}"
            drops.append(_drop(candidate, "lengths_do_not_track_english", detail))
        else:
            passing.append(candidate)
    return passing, drops


def select_versions(candidates: list[Candidate]) -> tuple[dict[str, Candidate], list[Drop]]:
    """Steps 6-7: ``({language: kept candidate}, drops)`` over already filtered candidates."""
    drops: list[Drop] = []
    by_content: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_content[candidate.content_key].append(candidate)
    unique: list[Candidate] = []
    for group in by_content.values():
        best, *rest = sorted(group, key=rank)
        unique.append(best)
        drops.extend(_drop(other, "duplicate_content", f"same text as {best.key}") for other in rest)
    by_language: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in unique:
        by_language[candidate.language].append(candidate)
    kept: dict[str, Candidate] = {}
    for language, group in sorted(by_language.items()):
        best, *rest = sorted(group, key=rank)
        kept[language] = best
        drops.extend(_drop(other, "other_version_kept", f"{language} uses {best.key}") for other in rest)
    return kept, drops
