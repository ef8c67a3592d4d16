"""Retrieval metrics on a similarity matrix, and BUCC threshold selection / F1."""

from __future__ import annotations

import numpy as np
import pytest

from xstilts.errors import XstiltsError
from xstilts.tasks.metrics import compute
from xstilts.tasks.metrics.bucc import bucc_best_threshold, bucc_f1_at_threshold

# row 0: gold 0.9 beats 0.1 and 0.0        -> rank 1, margin 0.9 - 0.1 = 0.8
# row 1: gold (col 0) ties with col 1 at .5 -> rank 2 (tie counts against gold), margin 0
# row 2: gold (col 2) 0.1 < 0.3 < 0.8       -> rank 3, margin 0.1 - 0.8 = -0.7
SIM = np.array([[0.9, 0.1, 0.0], [0.5, 0.5, 0.2], [0.3, 0.8, 0.1]])
GOLD = [0, 0, 2]


def test_retrieval_accuracy_counts_a_tie_as_a_miss() -> None:
    assert compute("retrieval_accuracy", SIM, GOLD) == pytest.approx(100.0 / 3)
    # np.argmax breaks the row-1 tie towards the gold column: a naive scorer would say 2/3
    assert np.mean(SIM.argmax(axis=1) == np.array(GOLD)) == pytest.approx(2 / 3)


def test_mrr_uses_pessimistic_ranks() -> None:
    assert compute("mrr", SIM, GOLD) == pytest.approx(100 * (1 + 1 / 2 + 1 / 3) / 3)


def test_retrieval_margin_is_raw_and_continuous() -> None:
    assert compute("retrieval_margin", SIM, GOLD) == pytest.approx((0.8 + 0.0 - 0.7) / 3)
    # it still moves when accuracy is saturated
    easy, easier = np.eye(3) * 0.5, np.eye(3) * 0.9
    assert compute("retrieval_accuracy", easy, [0, 1, 2]) == compute("retrieval_accuracy", easier, [0, 1, 2])
    assert compute("retrieval_margin", easier, [0, 1, 2]) > compute("retrieval_margin", easy, [0, 1, 2])


@pytest.mark.parametrize(
    ("matrix", "gold", "message"),
    [
        (SIM, [0, 1], "3 source rows but 2 gold indices"),
        (SIM, [0, 1, 3], "out of range"),
        (SIM, [0.0, 1.0, 2.0], "must be integers"),
        (np.array([[np.nan, 1.0]]), [0], "NaN"),
        (np.array([1.0, 2.0]), [0], "2-D"),
    ],
)
def test_retrieval_input_errors(matrix, gold, message: str) -> None:
    with pytest.raises(XstiltsError, match=message):
        compute("mrr", matrix, gold)


def test_margin_needs_a_distractor() -> None:
    with pytest.raises(ValueError, match="single target column"):
        compute("retrieval_margin", np.array([[0.3], [0.4]]), [0, 0])


# --- BUCC ------------------------------------------------------------------------------------

PAIRS = [("s1", "t1", 0.9), ("s2", "t2", 0.8), ("s3", "t9", 0.7), ("s4", "t4", 0.6), ("s5", "t8", 0.5)]
BUCC_GOLD = {("s1", "t1"), ("s2", "t2"), ("s4", "t4"), ("s6", "t6")}  # s6 was never mined


def _literal_bucc_optimize(pairs, gold) -> float:
    """XTREME's bucc_optimize: best-F1 cut, threshold halfway to the next score."""
    items = sorted(((s, t), score) for s, t, score in pairs)
    items.sort(key=lambda x: -x[1])
    ncorrect = 0
    threshold, best_f1 = 0, 0
    for i, (pair, _score) in enumerate(items):
        nextract = i + 1
        ncorrect += pair in gold
        if ncorrect > 0:
            precision, recall = ncorrect / nextract, ncorrect / len(gold)
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best_f1:
                best_f1 = f1
                threshold = (items[i][1] + items[i + 1][1]) / 2
    return threshold


def test_bucc_best_threshold_lies_strictly_between_scores() -> None:
    # cuts: top1 F1 .4, top2 .667, top3 4/7, top4 P = R = 3/4 -> .75, top5 .667: best after 0.6
    threshold, f1 = bucc_best_threshold(PAIRS, BUCC_GOLD)
    assert threshold == pytest.approx(0.55)
    assert 0.5 < threshold < 0.6
    assert f1 == pytest.approx(75.0)
    assert threshold == pytest.approx(_literal_bucc_optimize(PAIRS, BUCC_GOLD))
    assert compute("bucc_f1", PAIRS, BUCC_GOLD) == pytest.approx(75.0)


def test_bucc_f1_at_threshold_applies_score_at_least_threshold() -> None:
    assert bucc_f1_at_threshold(PAIRS, BUCC_GOLD, 0.55) == pytest.approx(
        {"precision": 75.0, "recall": 75.0, "f1": 75.0}
    )
    # >= keeps the 0.8 candidate: 2 extracted, both right -> P 100, R 50
    assert bucc_f1_at_threshold(PAIRS, BUCC_GOLD, 0.8) == pytest.approx(
        {"precision": 100.0, "recall": 50.0, "f1": 200 / 3}
    )


def test_bucc_ties_duplicates_and_degenerate_cases() -> None:
    # a right and a wrong candidate at the same score are kept or dropped together
    tied = [("a", "a", 0.9), ("b", "b", 0.5), ("c", "x", 0.5)]
    threshold, f1 = bucc_best_threshold(tied, {("a", "a"), ("b", "b")})
    # cut after .9: P 1, R 1/2 -> 2/3; after .5: P 2/3, R 1 -> 0.8 (best, at the lowest score)
    assert (threshold, f1) == (0.5, pytest.approx(80.0))
    # a pair mined twice keeps its higher score
    assert bucc_f1_at_threshold([("a", "a", 0.2), ("a", "a", 0.7)], {("a", "a")}, 0.6)["f1"] == 100.0
    # nothing right: F1 0 and a threshold that extracts nothing
    threshold, f1 = bucc_best_threshold([("a", "x", 0.9)], {("a", "a")})
    assert f1 == 0.0 and threshold > 0.9
    with pytest.raises(XstiltsError, match="expected \\(src_id, trg_id, score\\)"):
        bucc_best_threshold([("a", 0.9)], {("a", "a")})
    with pytest.raises(XstiltsError, match="gold pair set is empty"):
        bucc_f1_at_threshold(PAIRS, set(), 0.5)
