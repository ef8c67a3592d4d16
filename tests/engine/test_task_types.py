"""Every task type through the real pipeline, on the XTREME-format fixtures.

A tiny random encoder with the real XLM-R tokenizer trains each head type (pair classification,
tagging, span QA with and without "no answer", multiple choice, open-label-set tagging) and
evaluates zero-shot on the fixtures' non-English files, including retrieval and BUCC mining.
The numbers are meaningless; the test checks that every path runs and writes complete results.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from tests.support.tiny import build_tiny_xlmr
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"
QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115


@pytest.fixture(scope="module")
def tiny_xlmr(tmp_path_factory) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("tiny-xlmr"))


def test_every_task_type_runs_through_the_grid(tiny_xlmr, tmp_path):
    phase = {"max_steps": 2, "batch_size": 4, "eval_every": 2, "learning_rate": 1e-3, "max_length": 128}
    config = {
        "name": "types",
        "output_dir": str(tmp_path / "out"),
        "artifact_dir": str(tmp_path / "artifacts"),
        "data_dir": str(FIXTURES),
        "models": [str(tiny_xlmr)],
        "seeds": [3],
        "conditions": {
            "none": [],
            "csqa": ["commonsenseqa:en"],  # multiple choice
            "squad2-ccg": ["squad_v2:en", "ccg:en"],  # multi-task: span QA (no-answer) + open tag set
        },
        "targets": {"xnli": {}, "udpos": {}, "xquad": {}, "tatoeba": {}, "bucc2018": {"languages": ["de"]}},
        "intermediate": phase,
        "finetune": phase,
        "runtime": {"precision": "fp32", "threads": 1},
    }
    path = tmp_path / "types.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    experiment = load_experiment(path)
    summary = run_experiment(experiment, console=QUIET)
    assert summary.executed == {"intermediate": 2, "finetune": 9, "evaluate": 15}
    frame = ResultsStore(experiment.store_path).scores_frame("types")
    main = frame[frame.is_main == 1]
    expected = {
        "xnli": "accuracy",
        "udpos": "token_accuracy",
        "xquad": "squad_f1",
        "tatoeba": "retrieval_accuracy",
        "bucc2018": "bucc_f1",
    }
    for task, metric in expected.items():
        rows = main[main.target_task == task]
        assert set(rows.metric) == {metric}, task
        assert len(rows) == 3 * len(rows.language.unique()), task  # every condition, every language
        assert rows.value.between(0, 100).all(), task
    assert {"ar", "zh"} <= set(main[main.target_task == "xquad"].language)
    assert "xtreme_pos_f1" in set(frame.metric) and "squad_exact_match" in set(frame.metric)
    bucc = frame[(frame.target_task == "bucc2018") & (frame.metric == "bucc_f1")]
    assert json.loads(bucc.provenance_json.iloc[0])["details"]["threshold_from"] == "dev"
    ccg_meta = next(
        json.loads(p.read_text())
        for p in experiment.resolved_artifact_dir.glob("intermediate/*/meta.json")
        if "ccg" in json.loads(p.read_text())["labels"]
    )
    assert len(ccg_meta["labels"]["ccg"]) > 5  # open label set derived from the training data
    predictions = list(experiment.resolved_artifact_dir.glob("evaluate/*/predictions/zh.jsonl"))
    assert predictions and all(p.stat().st_size > 0 for p in predictions)
