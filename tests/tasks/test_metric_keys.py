"""Metric keys: a registered metric name and its qualifiers as fields; the old '@' names read once."""

from __future__ import annotations

import pytest

from xstilts.tasks.metrics import all_metrics
from xstilts.tasks.metrics._inputs import MetricInputError
from xstilts.tasks.metrics.keys import MetricKey, layer_variant, legacy_key, read_scores, score_records

# Every spelling the evaluation wrote before keys, and what it meant.
LEGACY = {
    "accuracy": MetricKey("accuracy"),
    "retrieval_accuracy@layer07": MetricKey("retrieval_accuracy", variant="layer07"),
    "retrieval_accuracy@layer12": MetricKey("retrieval_accuracy", variant="layer12"),
    "mrr@last-layer": MetricKey("mrr", variant="last-layer"),
    "retrieval_accuracy@en->xx": MetricKey("retrieval_accuracy", direction="en->xx"),
    "retrieval_margin@xx->en": MetricKey("retrieval_margin", direction="xx->en"),
    "bucc_f1@dev": MetricKey("bucc_f1", variant="dev"),
    "accuracy@en-same-items": MetricKey("accuracy", reference="en"),
    "squad_f1@eng-same-items": MetricKey("squad_f1", reference="eng"),
    "predict_only": MetricKey("predict_only"),
}


def test_every_legacy_name_becomes_its_key() -> None:
    assert {name: legacy_key(name) for name in LEGACY} == LEGACY
    assert len(set(LEGACY.values())) == len(LEGACY)  # one-to-one: no two old rows collide
    assert all("@" not in key.metric for key in LEGACY.values())
    registered = set(all_metrics()) | {"predict_only"}
    assert {key.metric for key in LEGACY.values()} <= registered


def test_a_name_ending_in_at_is_refused_in_one_line() -> None:
    with pytest.raises(MetricInputError, match="ends in '@'"):
        legacy_key("accuracy@")


def test_keys_refuse_names_with_qualifiers_and_unknown_directions() -> None:
    with pytest.raises(MetricInputError, match="not a metric name"):
        MetricKey("accuracy@dev")
    with pytest.raises(MetricInputError, match="unknown direction 'de->en'"):
        MetricKey("retrieval_accuracy", direction="de->en")


def test_records_round_trip_and_old_maps_are_read() -> None:
    scores = {key: float(i) for i, key in enumerate(LEGACY.values())}
    records = score_records(scores)
    assert [r["metric"] for r in records] == sorted(r["metric"] for r in records)
    assert set(records[0]) == {"metric", "variant", "direction", "reference", "value"}
    assert read_scores(records) == scores
    old = {name: float(i) for i, name in enumerate(LEGACY)}  # an artifact's scores.json before keys
    assert read_scores(old) == scores
    with pytest.raises(MetricInputError, match="without metric or value"):
        read_scores([{"metric": "accuracy"}])


def test_labels_name_the_qualifiers() -> None:
    assert MetricKey("accuracy").label == "accuracy" and MetricKey("accuracy").is_plain
    key = MetricKey("retrieval_accuracy", variant=layer_variant(7), direction="en->xx")
    assert key.label == "retrieval_accuracy (layer07, en->xx)" and not key.is_plain
    assert MetricKey("accuracy", reference="en").label == "accuracy (en on the same items)"
