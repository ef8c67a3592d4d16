"""Tagging metrics: seqeval default-mode span F1, token accuracy, XTREME's UD-POS F1 (seqeval 0.0.12).

Expected values are computed by hand in the comments next to each case.
"""

from __future__ import annotations

import warnings

import pytest
from seqeval.metrics import f1_score as installed_seqeval_f1
from seqeval.scheme import IOB2

from xstilts.errors import XstiltsError
from xstilts.tasks.metrics import compute
from xstilts.tasks.metrics.seqeval_legacy import legacy_entities


def _installed_seqeval(references, predictions, **kwargs) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return 100.0 * installed_seqeval_f1(references, predictions, **kwargs)


# --- span_f1 (PAN-X) -------------------------------------------------------------------------


def test_span_f1_i_without_b_starts_an_entity_in_default_mode() -> None:
    gold = [["B-PER", "I-PER", "O"]]
    pred = [["I-PER", "I-PER", "O"]]  # default mode: (PER, 0, 1), same as gold
    assert compute("span_f1", pred, gold) == pytest.approx(100.0)
    # strict IOB2 mode would discard the ill-formed span: the two modes really differ here
    assert _installed_seqeval(gold, pred, mode="strict", scheme=IOB2) == pytest.approx(0.0)


def test_span_f1_type_change_mid_span_splits_the_entity() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]  # {(PER,0,1), (LOC,3,3)}
    pred = [["B-PER", "I-LOC", "O", "B-LOC"]]  # {(PER,0,0), (LOC,1,1), (LOC,3,3)}
    # 1 correct: P = 1/3, R = 1/2, F1 = 2 * (1/6) / (5/6) = 0.4
    assert compute("span_f1", pred, gold) == pytest.approx(40.0)


def test_span_f1_trailing_entity_is_closed_at_sentence_end() -> None:
    gold = [["O", "B-LOC", "I-LOC"], ["B-ORG"]]  # {(LOC,1,2), (ORG, sentence 2)}
    pred = [["O", "B-LOC", "I-LOC"], ["O"]]  # {(LOC,1,2)}: P = 1, R = 1/2 -> F1 = 2/3
    assert compute("span_f1", pred, gold) == pytest.approx(200.0 / 3)
    truncated = [["O", "B-LOC", "O"], ["B-ORG"]]  # (LOC,1,1) != (LOC,1,2); ORG right: P = R = 1/2
    assert compute("span_f1", truncated, gold) == pytest.approx(50.0)


def test_span_f1_all_o_scores_zero() -> None:
    assert compute("span_f1", [["O", "O"]], [["O", "O"]]) == 0.0  # no entities: seqeval's 0
    assert compute("span_f1", [["B-PER", "O"]], [["O", "O"]]) == 0.0


def test_span_f1_rejects_bare_tags_and_ragged_sentences() -> None:
    with pytest.raises(XstiltsError, match="not an IOB2 tag"):
        compute("span_f1", [["NOUN"]], [["B-PER"]])
    with pytest.raises(XstiltsError, match="sentence 1 has 1 predicted tags but 2 gold tags"):
        compute("span_f1", [["O"], ["O"]], [["O"], ["O", "O"]])


# --- token_accuracy ----------------------------------------------------------------------------


def test_token_accuracy_counts_every_token_once() -> None:
    gold = [["NOUN", "VERB"], ["X"]]
    pred = [["NOUN", "NOUN"], ["X"]]  # 2 of 3 tokens
    assert compute("token_accuracy", pred, gold) == pytest.approx(200.0 / 3)


def test_token_accuracy_names_both_lengths_on_mismatch() -> None:
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        compute("token_accuracy", [["X"], ["X"]], [["X"]])


# --- xtreme_pos_f1 (seqeval 0.0.12 semantics) ------------------------------------------------


def test_legacy_entities_follow_seqeval_0_0_12_rules() -> None:
    sentences = [["NOUN", "NOUN", "SCONJ", "SCONJ", "X"], ["X"]]
    # flat: NOUN NOUN SCONJ SCONJ X O | X O | O
    # a run of NOUN is one entity; S-initial tags end a chunk after each token; X is a type;
    # offsets count the "O" that separates sentences.
    assert legacy_entities(sentences) == [
        ("NOUN", 0, 1),
        ("SCONJ", 2, 2),
        ("SCONJ", 3, 3),
        ("X", 4, 4),
        ("X", 6, 6),
    ]


def test_xtreme_pos_f1_keeps_cconj_and_sconj_apart() -> None:
    gold = [["NOUN", "CCONJ", "NOUN"]]  # {(NOUN,0,0), (CCONJ,1,1), (NOUN,2,2)}
    pred = [["NOUN", "SCONJ", "NOUN"]]  # {(NOUN,0,0), (SCONJ,1,1), (NOUN,2,2)}
    # 2 of 3 right both ways: P = R = F1 = 2/3
    assert compute("xtreme_pos_f1", pred, gold) == pytest.approx(200.0 / 3)
    # seqeval 1.2.2 reads C/S as prefixes and both types as "CONJ": a perfect (and wrong) 100
    assert _installed_seqeval(gold, pred) == pytest.approx(100.0)


def test_xtreme_pos_f1_keeps_a_sentence_final_x() -> None:
    gold = [["VERB", "X"]]  # {(VERB,0,0), (X,1,1)}
    pred = [["VERB", "ADJ"]]  # {(VERB,0,0), (ADJ,1,1)}: P = R = 1/2 -> 50
    assert compute("xtreme_pos_f1", pred, gold) == pytest.approx(50.0)
    # seqeval 1.2.2 drops the final X from gold: P = 1/2, R = 1/1 -> 66.7
    assert _installed_seqeval(gold, pred) == pytest.approx(200.0 / 3)


def test_xtreme_pos_f1_merges_runs_of_the_same_tag_but_not_s_tags() -> None:
    # NOUN NOUN is one entity: one wrong token breaks it (token accuracy would say 2/3)
    assert compute("xtreme_pos_f1", [["NOUN", "VERB", "VERB"]], [["NOUN", "NOUN", "VERB"]]) == 0.0
    # SCONJ SCONJ are two entities: one wrong token leaves one right: P = R = 1/2
    assert compute("xtreme_pos_f1", [["SCONJ", "NOUN"]], [["SCONJ", "SCONJ"]]) == pytest.approx(50.0)
    # sentence boundaries separate equal tags
    assert compute("xtreme_pos_f1", [["NOUN"], ["NOUN"]], [["NOUN"], ["NOUN"]]) == pytest.approx(100.0)


def test_xtreme_pos_f1_on_iob2_equals_seqeval_span_f1() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["I-ORG", "O"]]
    pred = [["B-PER", "I-LOC", "O", "B-LOC"], ["I-ORG", "O"]]
    # entities: gold {PER 0-1, LOC 3, ORG 5}; pred {PER 0, LOC 1, LOC 3, ORG 5}: P = 2/4, R = 2/3
    expected = 100 * 2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3)
    assert compute("xtreme_pos_f1", pred, gold) == pytest.approx(expected)
    assert compute("span_f1", pred, gold) == pytest.approx(expected)


# --- precision and recall beside F1; the two UD-POS F1s ------------------------------------------


def test_span_precision_and_recall_beside_f1() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]  # {(PER,0,1), (LOC,3,3)}
    pred = [["B-PER", "I-LOC", "O", "B-LOC"]]  # {(PER,0,0), (LOC,1,1), (LOC,3,3)}: 1 correct
    assert compute("span_precision", pred, gold) == pytest.approx(100 / 3)
    assert compute("span_recall", pred, gold) == pytest.approx(50.0)
    with pytest.raises(XstiltsError, match="not an IOB2 tag"):
        compute("span_recall", [["NOUN"]], [["B-PER"]])


def test_xtreme_pos_precision_and_recall_follow_seqeval_0_0_12() -> None:
    gold = [["VERB", "X"], ["NOUN", "NOUN"]]  # {(VERB,0,0), (X,1,1), (NOUN,3,4)}
    pred = [["VERB", "ADJ"], ["NOUN", "PRON"]]  # {(VERB,0,0), (ADJ,1,1), (NOUN,3,3), (PRON,4,4)}
    # 1 correct (VERB): P = 1/4, R = 1/3
    assert compute("xtreme_pos_precision", pred, gold) == pytest.approx(25.0)
    assert compute("xtreme_pos_recall", pred, gold) == pytest.approx(100 / 3)
    assert compute("xtreme_pos_f1", pred, gold) == pytest.approx(100 * 2 * (1 / 12) / (1 / 4 + 1 / 3))


def test_seqeval_pos_scores_are_what_current_seqeval_gives() -> None:
    gold = [["NOUN", "CCONJ", "NOUN"], ["VERB", "X"]]
    pred = [["NOUN", "SCONJ", "NOUN"], ["VERB", "ADJ"]]
    # 0.0.12 rules: gold {NOUN, CCONJ, NOUN, VERB, X}, pred {NOUN, SCONJ, NOUN, VERB, ADJ}: 3 of 5 right
    assert compute("xtreme_pos_f1", pred, gold) == pytest.approx(60.0)
    # seqeval 1.2.2: CCONJ = SCONJ ("CONJ"), the final X dropped: the two labelled numbers differ
    current = compute("seqeval_pos_f1", pred, gold)
    assert current == pytest.approx(_installed_seqeval(gold, pred))
    assert current != pytest.approx(60.0)
    assert compute("seqeval_pos_recall", pred, gold) > compute("xtreme_pos_recall", pred, gold)


def test_udpos_and_panx_report_precision_and_recall() -> None:
    from xstilts.tasks import get_task
    from xstilts.tasks.metrics import get_metric

    udpos = get_task("udpos").metrics
    assert udpos[0] == "token_accuracy"
    assert {"xtreme_pos_f1", "xtreme_pos_precision", "xtreme_pos_recall", "seqeval_pos_f1"} <= set(udpos)
    assert set(get_task("panx").metrics) == {"span_f1", "span_precision", "span_recall"}
    assert "0.0.12" in get_metric("xtreme_pos_recall").description
    assert "1.2.2" in get_metric("seqeval_pos_f1").description
