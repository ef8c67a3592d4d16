"""The gap uses English scored on the same items when the evaluation recorded it."""

from __future__ import annotations

import pandas as pd

from xstilts.analysis.frame import build_frame, select_scores


def _row(language, metric, value, is_main, reference=""):
    return {
        "experiment": "e", "job_id": "j", "model": "m", "condition": "none", "intermediate": "", "sources": "",
        "target_task": "t", "language": language, "split": "test", "metric": metric, "variant": "",
        "direction": "", "reference": reference, "value": value, "seed": 1,
        "is_main": int(is_main), "higher_is_better": 1, "n_examples": 10, "provenance_json": "{}",
        "created_at": 0.0,
    }  # fmt: skip


def test_gap_prefers_the_same_item_reference():
    scores = pd.DataFrame([
        _row("en", "accuracy", 90.0, True),
        _row("de", "accuracy", 70.0, True),
        _row("de", "accuracy", 80.0, False, "en"),  # en on de's items: they are harder than en's average
        _row("fr", "accuracy", 75.0, True),  # no same-item reference: falls back to all English items
    ])  # fmt: skip
    frame = build_frame(select_scores(scores, pd.DataFrame()), reference="en")
    rows = frame.rows.set_index("language")
    assert rows.loc["deu", "dependent"] == -10.0 and rows.loc["deu", "reference_kind"] == "same items"
    assert rows.loc["fra", "dependent"] == -15.0 and rows.loc["fra", "reference_kind"] == "all items"
    assert pd.isna(rows.loc["eng", "dependent"])
    assert rows.loc["deu", "language_code"] == "de"  # the task's own code is kept
