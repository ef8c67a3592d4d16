"""The metric registry holds the XTREME metrics; accuracy and the XTREME language average."""

from __future__ import annotations

import pytest

from xstilts.errors import XstiltsError
from xstilts.tasks.metrics import all_metrics, compute, get_metric
from xstilts.tasks.metrics.aggregate import language_average, xtreme_qa_score

EXPECTED = {
    "accuracy",
    "span_f1",
    "token_accuracy",
    "xtreme_pos_f1",
    "exact_match",
    "qa_f1",
    "squad_exact_match",
    "squad_f1",
    "mlqa_exact_match",
    "mlqa_f1",
    "retrieval_accuracy",
    "mrr",
    "retrieval_margin",
    "bucc_f1",
    "squad_v2_exact_match",
    "squad_v2_f1",
    "span_precision",
    "span_recall",
    "xtreme_pos_precision",
    "xtreme_pos_recall",
    "seqeval_pos_f1",
    "seqeval_pos_precision",
    "seqeval_pos_recall",
}


def test_every_xtreme_metric_is_registered_and_described() -> None:
    registered = all_metrics()
    assert set(registered) >= EXPECTED
    for name in EXPECTED:
        assert registered[name].higher_is_better, name
        assert len(registered[name].description) > 40, name
    assert "non-strict" in get_metric("span_f1").description
    assert "0.0.12" in get_metric("xtreme_pos_f1").description


def test_accuracy_on_labels_and_choice_indices() -> None:
    assert compute("accuracy", ["entailment", "neutral", "entailment"], ["entailment"] * 3) == pytest.approx(
        200.0 / 3
    )
    assert compute("accuracy", [1, 0, 2, 2], [1, 1, 2, 2]) == pytest.approx(75.0)


def test_accuracy_with_mismatched_lengths_names_both() -> None:
    with pytest.raises(XstiltsError, match="3 predictions but 2 references") as caught:
        compute("accuracy", ["a", "b", "a"], ["a", "b"])
    assert isinstance(caught.value, ValueError)
    assert "\n" not in str(caught.value)


def test_accuracy_refuses_names_against_indices() -> None:
    with pytest.raises(XstiltsError, match="label names but references are non-string"):
        compute("accuracy", ["entailment", "neutral"], [0, 1])
    with pytest.raises(XstiltsError, match="no examples"):
        compute("accuracy", [], [])


def test_xtreme_averages_are_plain_means_over_languages() -> None:
    assert language_average({"de": 80.0, "fr": 70.0, "sw": 30.0}) == pytest.approx(60.0)
    assert xtreme_qa_score({"en": 70.0, "de": 50.0}, {"en": 80.0, "de": 60.0}) == pytest.approx(65.0)
    with pytest.raises(XstiltsError, match="different languages"):
        xtreme_qa_score({"en": 70.0}, {"de": 60.0})
    with pytest.raises(XstiltsError, match="no per-language scores"):
        language_average({})


OFFICIAL_SCRIPTS = (
    "evaluate.py",
    "evaluate-v1.1.py",
    "evaluate-v2.0.py",
    "mlqa_evaluation_v1.py",
    "utils_retrieve.py",
    "no official script",
)


def test_every_metric_description_names_the_official_script_it_follows() -> None:
    for name, metric in all_metrics().items():
        assert any(script in metric.description for script in OFFICIAL_SCRIPTS), (name, metric.description)
