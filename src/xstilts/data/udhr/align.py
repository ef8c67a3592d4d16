"""Aligning a version's units with English's, and checking that the alignment is real.

The markup does not align sentences; it only numbers articles. Two versions' units are taken as
translations of each other when they sit at the same (article, position) *and* the article has
the same number of units in both: where the counts differ (Malayalam and Yoruba merge Article 2's
two paragraphs) no position is trustworthy and the whole article is dropped.

Equal counts are still not proof. Some versions are shifted (a clause moved to the next item) or
paraphrased so freely that unit i is not the translation of English unit i. Their unit *lengths*
then stop tracking English's: across 50 units English ranges from 10 to 100+ words, and a faithful
translation's lengths follow that profile in any script. The Pearson correlation of log character
lengths is scale-free (a script that needs fewer characters shifts all logs by a constant), so
one threshold serves every writing system; the build records each version's value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xstilts.data.udhr.parse import Declaration


@dataclass(frozen=True)
class AlignedUnit:
    id: str  # "a{article}.{position}", position counted from 1
    source: str  # English
    target: str  # the version's text


@dataclass(frozen=True)
class Alignment:
    units: tuple[AlignedUnit, ...]
    mismatched_articles: tuple[int, ...]  # articles whose unit count differs from English's
    placeholders: int  # positions skipped because either side is a placeholder

    @property
    def size(self) -> int:
        return len(self.units)


def align_to_english(english: Declaration, version: Declaration) -> Alignment:
    """Pair units by (article, position) in every article whose unit count matches English's."""
    units: list[AlignedUnit] = []
    mismatched: list[int] = []
    placeholders = 0
    for article, english_units in sorted(english.articles.items()):
        version_units = version.articles.get(article, ())
        if len(version_units) != len(english_units):
            mismatched.append(article)
            continue
        for position, (source, target) in enumerate(zip(english_units, version_units, strict=True), start=1):
            if source is None or target is None:
                placeholders += 1
                continue
            units.append(AlignedUnit(id=f"a{article}.{position}", source=source, target=target))
    return Alignment(units=tuple(units), mismatched_articles=tuple(mismatched), placeholders=placeholders)


def log_length_correlation(alignment: Alignment) -> float:
    """Pearson correlation of log character lengths, English vs the version (NaN if undefined)."""
    if alignment.size < 3:
        return math.nan
    source = np.log([len(unit.source) for unit in alignment.units])
    target = np.log([len(unit.target) for unit in alignment.units])
    if float(np.std(source)) == 0.0 or float(np.std(target)) == 0.0:
        return math.nan
    return float(np.corrcoef(source, target)[0, 1])
