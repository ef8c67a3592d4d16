"""The report's XTREME-style average follows XTREME's rule: a QA task counts by (mean EM + mean F1) / 2.

One implementation (``xstilts.tasks.metrics.aggregate``) serves the metrics and the report table.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import analysis_synthetic as synthetic  # importable: pytest prepends this folder (it has no __init__.py)
import pandas as pd
import pytest

from xstilts.analysis import analyse_store
from xstilts.analysis.frame import build_frame, load_scores, select_scores
from xstilts.analysis.tables import xtreme_average
from xstilts.errors import ConfigError
from xstilts.tasks.metrics.aggregate import language_average, qa_metric_pair, xtreme_task_score

EM_BELOW_F1 = 20.0  # every exact-match score is the F1 score minus this


def _qa_pairs(with_exact_match: bool) -> list[tuple[str, synthetic.ScoreRow]]:
    """The synthetic design with ``xnli`` turned into a QA task: F1 main, EM beside it."""
    pairs = []
    for job, row in synthetic.score_rows():
        if row.target_task != "xnli":
            pairs.append((job, row))
            continue
        f1 = replace(row, target_task="xquad", metric="squad_f1")
        pairs.append((job, f1))
        if with_exact_match:
            em = replace(f1, metric="squad_exact_match", is_main=False, value=f1.value - EM_BELOW_F1)
            pairs.append((job, em))
    return pairs


def _f1_average(pairs, condition: str) -> float:
    """XTREME's plain average of the F1 alone: mean over languages of the seed means."""
    rows = pd.DataFrame([row.__dict__ for _, row in pairs])
    chosen = rows[(rows.target_task == "xquad") & (rows.metric == "squad_f1") & (rows.condition == condition)]
    return float(chosen.groupby("language")["value"].mean().mean())


def _results(tmp_path: Path, pairs):
    store = synthetic.write_pairs(tmp_path / "results.sqlite", pairs)
    return analyse_store(store, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=20)


def test_a_qa_task_counts_by_the_mean_of_em_and_f1(tmp_path: Path) -> None:
    pairs = _qa_pairs(with_exact_match=True)
    xtreme = _results(tmp_path, pairs).xtreme.set_index("condition")
    for condition in ("none", "interA", "interB"):
        # (mean EM + mean F1) / 2, with EM = F1 - 20 everywhere: 10 below the F1 average
        assert xtreme.loc[condition, "xquad"] == pytest.approx(
            _f1_average(pairs, condition) - EM_BELOW_F1 / 2
        )
        assert xtreme.loc[condition, "average"] == pytest.approx(
            (xtreme.loc[condition, "xquad"] + xtreme.loc[condition, "tatoeba"]) / 2
        )


def test_without_exact_match_rows_the_f1_counts_alone_and_a_note_says_so(tmp_path: Path) -> None:
    pairs = _qa_pairs(with_exact_match=False)
    store = synthetic.write_pairs(tmp_path / "results.sqlite", pairs)
    selection = select_scores(*load_scores(store, synthetic.EXPERIMENT))
    xtreme = xtreme_average(build_frame(selection).rows, selection.qa_partners).set_index("condition")
    assert xtreme.loc["none", "xquad"] == pytest.approx(_f1_average(pairs, "none"))
    assert any(
        "xquad: squad_exact_match is missing" in note and "uses squad_f1 alone" in note
        for note in selection.notes
    )


def test_the_task_score_rule_names_its_pairs() -> None:
    assert qa_metric_pair("squad_f1") == ("squad_exact_match", "squad_f1")
    assert qa_metric_pair("mlqa_exact_match") == ("mlqa_exact_match", "mlqa_f1")
    assert qa_metric_pair("accuracy") is None
    em, f1 = {"en": 60.0, "de": 40.0}, {"en": 80.0, "de": 60.0}
    assert xtreme_task_score("mlqa_f1", {"mlqa_f1": f1, "mlqa_exact_match": em}) == pytest.approx(60.0)
    assert xtreme_task_score("accuracy", {"accuracy": f1}) == language_average(f1) == pytest.approx(70.0)
    with pytest.raises(Exception, match="no mlqa_exact_match scores"):
        xtreme_task_score("mlqa_f1", {"mlqa_f1": f1})


def test_a_qa_variant_is_averaged_with_the_same_variant_of_its_partner(tmp_path: Path) -> None:
    pairs = _qa_pairs(with_exact_match=True)
    dev = [(job, replace(row, variant="dev", is_main=False, value=row.value + 7.0))
           for job, row in pairs if row.target_task == "xquad"]  # fmt: skip
    store = synthetic.write_pairs(tmp_path / "results.sqlite", pairs + dev)
    scores, runs = load_scores(store, synthetic.EXPERIMENT)
    selection = select_scores(scores, runs, metric="squad_f1", variant="dev")
    assert set(selection.qa_partners.metric) == {"squad_exact_match"}
    assert set(selection.qa_partners.variant) == {"dev"}
    xtreme = xtreme_average(build_frame(selection).rows, selection.qa_partners).set_index("condition")
    assert xtreme.loc["none", "xquad"] == pytest.approx(_f1_average(pairs, "none") + 7.0 - EM_BELOW_F1 / 2)
    assert any("squad_f1 (dev)" in note for note in selection.notes)
    with pytest.raises(ConfigError, match=r"no squad_f1 \(layer07\) scores.*squad_f1, squad_f1 \(dev\)"):
        select_scores(scores, runs, metric="squad_f1", variant="layer07")
    with pytest.raises(ConfigError, match="qualify a metric"):
        select_scores(scores, runs, variant="dev")
