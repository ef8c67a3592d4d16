"""BUCC 2018 bitext mining: F1 of mined sentence pairs at a similarity threshold.

XTREME mines one best candidate target per source sentence (margin-scored nearest neighbours),
then keeps the candidates whose score is ``>=`` a threshold. The threshold is chosen on the
*sample* (dev) split, where gold pairs are public, as the one that maximises F1 there, and then
applied unchanged to the test split. The engine does exactly that with the two plain functions
here: ``threshold, _ = bucc_best_threshold(sample_pairs, sample_gold)`` then
``bucc_f1_at_threshold(test_pairs, test_gold, threshold)``.

The registered ``bucc_f1`` metric is the F1 at the best threshold *on the data it is given*: an
oracle (optimistic) number, right for the sample split and for diagnostics, not the number to
publish for test.

Threshold choice follows XTREME's ``bucc_optimize``: walk the candidates from the highest score
down and, at every cut where F1 strictly improves, put the threshold halfway between the last
kept score and the next one. Two differences, both only where XTREME is ill-defined: candidates
with equal scores are kept or dropped together (a threshold cannot split them; XTREME could report
an F1 that no threshold reproduces), and a best cut after the lowest candidate puts the threshold
at that lowest score (XTREME indexes past the end of its list there). With no correct candidate at
all, F1 is 0 and the threshold lies just above the highest score (nothing is extracted). Scores
are percentages.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Any

from xstilts.tasks.metrics import register_metric
from xstilts.tasks.metrics._inputs import MetricInputError

Pair = tuple[Hashable, Hashable]


def _candidates(scored_pairs: Iterable[Any]) -> dict[Pair, float]:
    """``{(src, trg): score}``; a pair mined twice keeps its higher score, as XTREME does."""
    best: dict[Pair, float] = {}
    for index, row in enumerate(scored_pairs):
        if len(row) != 3:
            raise MetricInputError(
                f"bucc: candidate {index} has {len(row)} fields, expected (src_id, trg_id, score)",
                fix="pass mined candidates as (src_id, trg_id, score) triples",
            )
        src, trg, raw_score = row
        score = float(raw_score)
        if not math.isfinite(score):
            raise MetricInputError(
                f"bucc: candidate {index} has score {score}", fix="check the mining scores"
            )
        key = (src, trg)
        best[key] = max(score, best.get(key, score))
    if not best:
        raise MetricInputError("bucc: no mined candidates", fix="mine candidates before scoring")
    return best


def _gold(gold: Iterable[Any]) -> set[Pair]:
    pairs = {(src, trg) for src, trg in gold}
    if not pairs:
        raise MetricInputError("bucc: the gold pair set is empty", fix="load the split's gold alignments")
    return pairs


def _prf(n_correct: int, n_extracted: int, n_gold: int) -> dict[str, float]:
    if n_correct == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    precision = n_correct / n_extracted
    recall = n_correct / n_gold
    f1 = 2 * precision * recall / (precision + recall)
    return {"precision": 100.0 * precision, "recall": 100.0 * recall, "f1": 100.0 * f1}


def bucc_f1_at_threshold(
    scored_pairs: Iterable[Any], gold: Iterable[Any], threshold: float
) -> dict[str, float]:
    """Precision, recall and F1 (percent) of the candidates with ``score >= threshold``."""
    candidates = _candidates(scored_pairs)
    gold_pairs = _gold(gold)
    extracted = {pair for pair, score in candidates.items() if score >= threshold}
    return _prf(len(extracted & gold_pairs), len(extracted), len(gold_pairs))


def _cut_between(kept: float, next_dropped: float | None) -> float:
    """Halfway between the lowest kept and the highest dropped score (``kept`` when none is dropped).

    Falls back to ``kept`` when the two floats are so close that the midpoint rounds onto the
    dropped score, so that ``score >= threshold`` always reproduces the chosen cut.
    """
    if next_dropped is None:
        return kept
    middle = (kept + next_dropped) / 2
    return middle if middle > next_dropped else kept


def bucc_best_threshold(scored_pairs: Iterable[Any], gold: Iterable[Any]) -> tuple[float, float]:
    """``(threshold, f1)``: the threshold with the best F1 (percent) on these pairs and that F1."""
    candidates = _candidates(scored_pairs)
    gold_pairs = _gold(gold)
    levels = sorted(set(candidates.values()), reverse=True)
    correct_at: dict[float, int] = dict.fromkeys(levels, 0)
    count_at: dict[float, int] = dict.fromkeys(levels, 0)
    for pair, score in candidates.items():
        count_at[score] += 1
        correct_at[score] += pair in gold_pairs

    best_f1 = 0.0
    best_threshold = math.nextafter(levels[0], math.inf)  # extracts nothing
    n_correct = n_extracted = 0
    for position, level in enumerate(levels):
        n_correct += correct_at[level]
        n_extracted += count_at[level]
        f1 = _prf(n_correct, n_extracted, len(gold_pairs))["f1"]
        if f1 > best_f1:
            best_f1 = f1
            best_threshold = _cut_between(level, levels[position + 1] if position + 1 < len(levels) else None)
    return best_threshold, best_f1


@register_metric(
    "bucc_f1",
    higher_is_better=True,
    description=(
        "BUCC mining F1 (0-100) of (src, trg, score) candidates against gold pairs at the threshold "
        "that is best on the same data (oracle), as bucc_optimize in XTREME's third_party/utils_retrieve.py. "
        "XTREME picks the threshold on the sample split and applies it to test: use "
        "bucc_best_threshold + bucc_f1_at_threshold for that."
    ),
)
def bucc_f1(predictions: Iterable[Any], references: Iterable[Any], *, language: str | None = None) -> float:
    """F1 at the best threshold on the given candidates (see the module docstring)."""
    del language
    return bucc_best_threshold(predictions, references)[1]
