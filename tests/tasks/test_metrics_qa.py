"""QA metrics: SQuAD and MLQA normalisation, v1.1/MLQA v1 vs v2.0 empty-answer rules, HasAns/NoAns, thresholds."""

from __future__ import annotations

import functools
import re
import string
import sys
import unicodedata
from collections import Counter

import pytest

from xstilts.errors import XstiltsError
from xstilts.tasks.metrics import compute
from xstilts.tasks.metrics.qa import best_no_answer_threshold, example_scores, squad_v2_report
from xstilts.tasks.metrics.qa_normalization import normalize_mlqa, normalize_squad

# --- literal transcriptions of the official formulas, to cross-check our implementation ------


def official_squad_normalize(s: str) -> str:
    """evaluate-v1.1.py normalize_answer, step by step."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


@functools.cache
def _mlqa_punct() -> frozenset[str]:
    punct = {chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P")}
    return frozenset(punct | set(string.punctuation))


def official_mlqa_normalize(s: str, lang: str) -> str:
    """mlqa_evaluation_v1.py normalize_answer for the seven MLQA languages, step by step."""
    punct = _mlqa_punct()
    s = "".join(ch for ch in s.lower() if ch not in punct)
    articles = {
        "en": r"\b(a|an|the)\b",
        "es": r"\b(un|una|unos|unas|el|la|los|las)\b",
        "vi": r"\b(của|là|cái|chiếc|những)\b",
        "de": r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b",
        "ar": "\\sال^|ال",
    }
    if lang in articles:
        s = re.sub(articles[lang], " ", s)
    if lang != "zh":
        tokens = s.split()
    else:
        tokens, buffer = [], ""
        for ch in s:
            if re.search(r"[\u4e00-\u9fa5]", ch) or ch in punct:
                tokens.extend(buffer.split())
                buffer = ""
                tokens.append(ch)
            else:
                buffer += ch
        tokens.extend(buffer.split())
    return " ".join(t for t in tokens if t.strip() != "")


SAMPLES = [
    "The Eiffel Tower!",
    "an apple, a day",
    "theater of Anna",
    "“Hamlet”",
    "电动势（英语：electromotive force，缩写为EMF）",
    "الكتاب الجديد في المال",
    "Die Bundesregierung und der Rat",
    "la Casa Blanca, el presidente",
    "những cái nhà của tôi",
    "«Война и мир»",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_normalisers_match_transcribed_official_scripts(text: str) -> None:
    assert normalize_squad(text) == official_squad_normalize(text)
    for lang in ("en", "es", "hi", "vi", "de", "ar", "zh"):
        assert normalize_mlqa(text, lang) == official_mlqa_normalize(text, lang), lang


# --- SQuAD (English) ----------------------------------------------------------------------------


def test_squad_normalisation_drops_punctuation_and_whole_word_articles() -> None:
    assert normalize_squad("The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_squad("An apple, a day.") == "apple day"
    assert normalize_squad("theater of Anna") == "theater of anna"  # not articles: part of words


def test_english_em_and_f1_take_the_max_over_gold_answers() -> None:
    assert compute("exact_match", ["the Eiffel Tower."], [["Eiffel Tower"]], language="en") == 100.0
    # tokens [eiffel, tower, in, paris]; vs [paris]: P 1/4, R 1 -> 0.4; vs [eiffel, tower]: P 1/2, R 1 -> 2/3
    f1 = compute("qa_f1", ["Eiffel Tower in Paris"], [["Paris", "the Eiffel Tower"]], language="en")
    assert f1 == pytest.approx(200.0 / 3)
    assert compute("qa_f1", ["Eiffel Tower in Paris"], [["Paris", "Eiffel Tower"]]) == pytest.approx(
        200.0 / 3
    )


def test_english_squad_keeps_unicode_quotes_but_mlqa_drops_them() -> None:
    assert compute("exact_match", ["“Hamlet”"], [["Hamlet"]], language="en") == 0.0
    assert compute("mlqa_exact_match", ["“Hamlet”"], [["Hamlet"]], language="en") == 100.0


# --- MLQA per-language rules ------------------------------------------------------------------


def test_chinese_is_compared_character_by_character() -> None:
    assert normalize_mlqa("电动势(EMF)", "zh") == "电 动 势 emf"
    # [电, 动, 势] vs [电, 动, 势, 源]: P = 1, R = 3/4 -> F1 = 6/7
    assert compute("qa_f1", ["电动势"], [["电动势源"]], language="zh") == pytest.approx(600.0 / 7)
    # SQuAD rules see one whitespace token each: no overlap at all
    assert compute("squad_f1", ["电动势"], [["电动势源"]], language="zh") == 0.0


def test_arabic_al_is_replaced_everywhere_even_inside_words() -> None:
    assert normalize_mlqa("الكتاب الجديد", "ar") == "كتاب جديد"
    assert normalize_mlqa("المال", "ar") == "م"  # both occurrences, one of them word-internal
    assert normalize_mlqa("سؤال", "ar") == "سؤ"  # "question": the final ال is not an article
    assert compute("exact_match", ["سؤال"], [["سؤ"]], language="ar") == 100.0
    assert compute("exact_match", ["الكتاب الجديد"], [["كتاب جديد"]], language="ar") == 100.0


def test_german_and_spanish_articles() -> None:
    assert compute("exact_match", ["die Bundesregierung"], [["der Bundesregierung"]], language="de") == 100.0
    # SQuAD rules keep German articles: [die, bundesregierung] vs [der, bundesregierung] -> F1 1/2
    assert (
        compute("squad_exact_match", ["die Bundesregierung"], [["der Bundesregierung"]], language="de") == 0
    )
    assert compute("squad_f1", ["die Bundesregierung"], [["der Bundesregierung"]], language="de") == 50.0
    assert compute("exact_match", ["la Casa Blanca."], [["Casa Blanca"]], language="es") == 100.0
    assert compute("exact_match", ["la Casa Blanca."], [["Casa Blanca"]], language="spa") == 100.0


def test_language_without_mlqa_rules_gets_unicode_punctuation_and_no_articles() -> None:
    assert compute("exact_match", ["«Война и мир»"], [["Война и мир"]], language="ru") == 100.0
    assert compute("squad_exact_match", ["«Война и мир»"], [["Война и мир"]], language="ru") == 0.0


# --- SQuAD v2 semantics ------------------------------------------------------------------------


def test_no_answer_semantics_of_squad_v2() -> None:
    assert compute("squad_v2_exact_match", [""], [[]]) == 100.0
    assert compute("squad_v2_f1", [""], [[]]) == 100.0
    assert compute("squad_v2_f1", [""], [["Paris"]]) == 0.0
    assert compute("squad_v2_f1", ["Paris"], [[]]) == 0.0
    assert compute("squad_v2_f1", [""], [["the"]]) == 100.0  # a gold that normalises to nothing is no answer
    assert compute("squad_v2_exact_match", [""], [["A", "Paris"]]) == 0.0  # "A" dropped, "Paris" left


def _literal_v11_scores(pred: str, golds: list[str], normalize) -> tuple[float, float]:
    """evaluate-v1.1.py / mlqa_evaluation_v1.py: exact_match_score, f1_score, max over every gold."""

    def f1(gold: str) -> float:
        pred_toks, gold_toks = normalize(pred).split(), normalize(gold).split()
        same = sum((Counter(pred_toks) & Counter(gold_toks)).values())
        if same == 0:
            return 0.0
        p, r = same / len(pred_toks), same / len(gold_toks)
        return 2 * p * r / (p + r)

    return max(float(normalize(pred) == normalize(g)) for g in golds), max(f1(g) for g in golds)


V11_CASES = [
    ("a", ["The"]),  # both normalise to "": EM 1, F1 0
    ("", ["A", "Paris"]),  # the empty-normalised gold stays in the max
    ("the", ["the", "an"]),
    ("Paris", ["the", "Paris"]),
    ("", ["Paris"]),
    ("in Paris", ["Paris", "the city of Paris"]),
]


def test_squad_v11_keeps_empty_normalised_answers_in_play() -> None:
    # the two cases of the issue, against the official v1.1 values
    assert compute("squad_f1", ["a"], [["The"]], language="en") == 0.0
    assert compute("squad_exact_match", ["a"], [["The"]], language="en") == 100.0
    assert compute("squad_exact_match", [""], [["A", "Paris"]], language="en") == 100.0
    assert compute("squad_f1", [""], [["A", "Paris"]], language="en") == 0.0
    preds, refs = [p for p, _ in V11_CASES], [g for _, g in V11_CASES]
    expected = [_literal_v11_scores(p, g, official_squad_normalize) for p, g in V11_CASES]
    for language in ("en", "de", "zh"):  # XQuAD/TyDiQA: SQuAD rules in every language
        assert compute("squad_exact_match", preds, refs, language=language) == pytest.approx(
            100 * sum(e for e, _ in expected) / len(expected)
        )
        assert compute("squad_f1", preds, refs, language=language) == pytest.approx(
            100 * sum(f for _, f in expected) / len(expected)
        )


@pytest.mark.parametrize("language", ["en", "de", "ar", "zh"])
def test_mlqa_v1_keeps_empty_normalised_answers_in_play(language: str) -> None:
    cases = [("die", ["der"]), ("", ["das", "Haus"]), ("ال", ["ال"]), ("。", ["Haus"]), *V11_CASES]
    preds, refs = [p for p, _ in cases], [g for _, g in cases]
    normalize = functools.partial(official_mlqa_normalize, lang=language)
    expected = [_literal_v11_scores(p, g, normalize) for p, g in cases]
    assert compute("mlqa_exact_match", preds, refs, language=language) == pytest.approx(
        100 * sum(e for e, _ in expected) / len(expected)
    )
    assert compute("mlqa_f1", preds, refs, language=language) == pytest.approx(
        100 * sum(f for _, f in expected) / len(expected)
    )


def test_v11_scoring_refuses_a_question_without_gold() -> None:
    with pytest.raises(XstiltsError, match=r"references\[0\] holds no gold answer.*squad_v2_f1"):
        compute("squad_f1", [""], [[]])


def _literal_v2_f1(pred: str, gold: str) -> float:
    pred_toks, gold_toks = official_squad_normalize(pred).split(), official_squad_normalize(gold).split()
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        return float(gold_toks == pred_toks)
    same = sum((Counter(pred_toks) & Counter(gold_toks)).values())
    if same == 0:
        return 0.0
    p, r = same / len(pred_toks), same / len(gold_toks)
    return 2 * p * r / (p + r)


PREDS = ["Paris", "in Paris", "", "London"]
REFS = [["Paris"], ["Paris", "the city of Paris"], [], []]


def test_example_scores_match_the_literal_v2_formula() -> None:
    exact, f1 = example_scores(PREDS, REFS, language="en", scheme="v2")
    assert exact == [1.0, 0.0, 1.0, 0.0]
    expected_f1 = [max(_literal_v2_f1(p, g) for g in (r or [""])) for p, r in zip(PREDS, REFS, strict=True)]
    assert f1 == pytest.approx(expected_f1)
    # "in Paris" vs "city of Paris": [in, paris] / [city, of, paris] -> P 1/2, R 1/3 -> 0.4; vs "Paris": 2/3
    assert f1[1] == pytest.approx(2 / 3)


def test_has_ans_no_ans_breakdown() -> None:
    report = squad_v2_report(PREDS, REFS, language="en")
    assert report["total"] == 4
    assert report["exact"] == pytest.approx(50.0)
    assert report["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1 + 0) / 4)
    assert (report["HasAns_total"], report["NoAns_total"]) == (2, 2)
    assert report["HasAns_exact"] == pytest.approx(50.0)
    assert report["HasAns_f1"] == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert report["NoAns_exact"] == report["NoAns_f1"] == pytest.approx(50.0)
    assert "best_f1" not in report


def _literal_find_best_thresh(preds, scores, na_probs, has_ans) -> tuple[float, float]:
    """evaluate-v2.0.py find_best_thresh on dicts keyed by question id."""
    cur = best = sum(1 for k in has_ans if not has_ans[k])
    best_thresh = 0.0
    for qid in sorted(na_probs, key=lambda k: na_probs[k]):
        diff = scores[qid] if has_ans[qid] else (-1 if preds[qid] else 0)
        cur += diff
        if cur > best:
            best, best_thresh = cur, na_probs[qid]
    return 100.0 * best / len(scores), best_thresh


def test_best_threshold_matches_the_official_sweep_on_distinct_probabilities() -> None:
    probs = [0.1, 0.4, 0.3, 0.8]
    report = squad_v2_report(PREDS, REFS, language="en", no_answer_probs=probs)
    # EM [1, 0, 1, 0]: 2 (all forced NA) -> +1 at 0.1 -> 3 -> +0 -> +0 -> -1: best 3/4 at 0.1
    assert (report["best_exact"], report["best_exact_thresh"]) == (pytest.approx(75.0), 0.1)
    # F1 [1, 2/3, 1, 0]: 2 -> 3 (0.1) -> 3 (0.3) -> 3 2/3 (0.4) -> 2 2/3: best at 0.4
    assert report["best_f1"] == pytest.approx(100 * (11 / 3) / 4)
    assert report["best_f1_thresh"] == 0.4
    exact, f1 = example_scores(PREDS, REFS, language="en", scheme="v2")
    ids = list("abcd")
    as_dict = lambda values: dict(zip(ids, values, strict=True))  # noqa: E731
    has = as_dict([bool(r) for r in REFS])
    for scores, best_key in ((exact, "best_exact"), (f1, "best_f1")):
        official = _literal_find_best_thresh(as_dict(PREDS), as_dict(scores), as_dict(probs), has)
        assert (report[best_key], report[f"{best_key}_thresh"]) == pytest.approx(official)


def test_tied_probabilities_give_a_threshold_that_reproduces_the_best_score() -> None:
    preds, refs, probs = ["Paris", "London"], [["Paris"], []], [0.5, 0.5]
    exact, _ = example_scores(preds, refs, scheme="v2")
    best, threshold = best_no_answer_threshold(exact, [True, False], probs)
    # no threshold separates the two: both kept (1 + 0) or both forced NA (0 + 1) -> 50
    assert best == pytest.approx(50.0)
    applied = squad_v2_report(preds, refs, no_answer_probs=probs, no_answer_threshold=threshold)
    assert applied["exact"] == pytest.approx(best)


def test_qa_input_errors_are_one_line_and_name_the_problem() -> None:
    with pytest.raises(XstiltsError, match="2 predictions but 1 references"):
        compute("qa_f1", ["a", "b"], [["a"]])
    with pytest.raises(XstiltsError, match="must be a list of answer strings"):
        compute("exact_match", ["Paris"], ["Paris"])
    with pytest.raises(XstiltsError, match="not a string"):
        compute("exact_match", [None], [["Paris"]])
