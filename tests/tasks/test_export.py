"""Export stored predictions in XTREME's layout, read them back as evaluate.py does, get the stored scores."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from tests.support.tiny import build_tiny_xlmr
from xstilts.cli.main import app
from xstilts.export.xtreme import READERS
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore
from xstilts.tasks import get_task
from xstilts.tasks.metrics import compute
from xstilts.tasks.metrics.bucc import bucc_f1_at_threshold
from xstilts.tasks.readers.bucc import read_bucc_gold

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"
QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115
TARGETS = {"xnli": "sw", "pawsx": "es", "panx": "de", "xquad": "zh", "tatoeba": "ar", "bucc2018": "de"}
# XTREME's label-withheld test files only (BUCC zh: its test gold deleted)
PREDICT_ONLY = {"pawsx": "ko", "panx": "ja", "xquad": "es", "bucc2018": "zh", "tatoeba": "de"}


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    model = build_tiny_xlmr(root / "tiny-xlmr")
    phase = {"max_steps": 2, "batch_size": 4, "eval_every": 2, "learning_rate": 1e-3, "max_length": 128}
    config = {
        "name": "exported",
        "output_dir": str(root / "out"),
        "artifact_dir": str(root / "artifacts"),
        "data_dir": str(FIXTURES),
        "models": [str(model)],
        "seeds": [5],
        "conditions": {"none": []},
        "targets": {
            task: {"languages": [lang, *PREDICT_ONLY.get(task, "").split()]} for task, lang in TARGETS.items()
        },
        "intermediate": phase,
        "finetune": phase,
        "runtime": {"precision": "fp32", "threads": 1},
    }
    path = root / "exported.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    loaded = load_experiment(path)
    run_experiment(loaded, console=QUIET)
    return path, loaded


def stored(loaded, task: str, metric: str, language: str | None = None) -> float:
    frame = ResultsStore(loaded.store_path).scores_frame(loaded.name)
    rows = frame[(frame.target_task == task) & (frame.metric == metric)]
    rows = rows[(rows.variant == "") & (rows.direction == "") & (rows.reference == "")]  # the plain score
    rows = rows[rows.language == (language or TARGETS[task])]
    assert len(rows) == 1, (task, metric)
    return float(rows.value.iloc[0])


def rescore(task: str, language: str, path: Path) -> float:
    """Score an exported file the way evaluate.py does: its reader, then the task's metric."""
    exported = READERS[task](path)
    spec = get_task(task)
    gold = spec.read(FIXTURES, spec.test_split, language)
    if task in ("xnli", "pawsx"):
        return compute("accuracy", exported, [e["label"] for e in gold])
    if task == "panx":
        return compute("span_f1", exported, [e["tags"] for e in gold])
    if task == "xquad":
        return compute(
            "squad_f1", [exported[e["id"]] for e in gold], [[a["text"] for a in e["answers"]] for e in gold]
        )
    if task == "tatoeba":  # gold: the line of the sentence's own translation in XTREME's sorted English file
        english = [e["source"] for e in gold]
        sorted_lines = {
            index: line for line, index in enumerate(sorted(range(len(english)), key=english.__getitem__))
        }
        return 100.0 * sum(line == str(sorted_lines[i]) for i, line in enumerate(exported)) / len(exported)
    return bucc_f1_at_threshold(
        [(s, t, 1.0) for s, t in exported], read_bucc_gold(FIXTURES, "test", language), 0
    )["f1"]


def test_export_xtreme_reads_back_to_the_stored_scores(experiment, tmp_path: Path) -> None:
    path, loaded = experiment
    out = tmp_path / "submission"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["export", "xtreme", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    folders = sorted(p for p in out.glob("*/*/seed-5") if p.is_dir())
    assert [p.relative_to(out).parts[1:] for p in folders] == [("none", "seed-5")]
    folder = folders[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(TARGETS)
    for task, language in TARGETS.items():
        exported = folder / task / f"test-{language}.{'json' if task == 'xquad' else 'tsv'}"
        assert exported.is_file(), exported
        main = get_task(task).main_metric
        expected = stored(loaded, task, main)
        if task == "bucc2018" and not exported.read_text().strip():
            assert expected == 0.0  # nothing kept at the sample threshold
            continue
        assert rescore(task, language, exported) == pytest.approx(expected), task
    for task, language in PREDICT_ONLY.items():  # predicted, exported, never scored
        assert (folder / task / f"test-{language}.{'json' if task == 'xquad' else 'tsv'}").is_file()
    sorted_lines = (folder / "tatoeba/test-de.tsv").read_text(encoding="utf-8").split()
    assert len(sorted_lines) == 20 and all(
        0 <= int(line) < 20 for line in sorted_lines
    )  # lines of the sorted file
    answers = json.loads((folder / "xquad/test-es.json").read_text(encoding="utf-8"))
    assert sorted(answers) == ["56beb4343aeaaa14008c925b", "56beb4343aeaaa14008c925c"]
    assert (folder / "pawsx/test-ko.tsv").read_text(encoding="utf-8").count("\n") == 2
    assert "predict-only" in result.output
    lines = (folder / "panx/test-de.tsv").read_text(encoding="utf-8").split("\n\n")
    assert [len(block.split()) for block in lines if block.strip()] == [5, 6]  # one tag per token


def test_label_withheld_languages_are_predict_only(experiment) -> None:
    _, loaded = experiment
    frame = ResultsStore(loaded.store_path).scores_frame(loaded.name)
    for task, language in PREDICT_ONLY.items():
        rows = frame[(frame.target_task == task) & (frame.language == language)]
        assert list(rows.metric) == ["predict_only"] and list(rows.is_main) == [0], rows
        n_predicted = {"bucc2018": pytest.approx(2.0, abs=1), "tatoeba": 20.0}.get(
            task, 2.0
        )  # BUCC: mined pairs
        assert float(rows.value.iloc[0]) == n_predicted  # the number of predictions
        assert json.loads(rows.provenance_json.iloc[0])["details"]["predict_only"].startswith("the test")
    assert stored(loaded, "pawsx", "accuracy") >= 0  # the labelled language is still scored


def test_export_predictions_writes_one_tidy_table(experiment, tmp_path: Path) -> None:
    path, loaded = experiment
    runner = CliRunner(env={"COLUMNS": "200"})
    jsonl, parquet = tmp_path / "p.jsonl", tmp_path / "p.parquet"
    for out in (jsonl, parquet):
        result = runner.invoke(app, ["export", "predictions", str(path), "--out", str(out)])
        assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert set(rows[0]) == {
        "job",
        "model",
        "condition",
        "seed",
        "task",
        "language",
        "id",
        "prediction",
        "gold",
    }
    xnli = [r for r in rows if r["task"] == "xnli"]
    assert [r["id"] for r in xnli] == ["200", "201"] and [r["gold"] for r in xnli] == [
        "entailment",
        "neutral",
    ]
    accuracy = 100 * sum(r["prediction"] == r["gold"] for r in xnli) / len(xnli)
    assert accuracy == pytest.approx(stored(loaded, "xnli", "accuracy"))
    panx = [r for r in rows if r["task"] == "panx"]
    assert panx[0]["gold"] == ["B-PER", "I-PER", "O", "B-LOC", "O"] and len(panx[0]["prediction"]) == 5
    frame = pd.read_parquet(parquet)
    assert len(frame) == len(rows) and set(frame.seed) == {5}
    assert json.loads(frame[frame.task == "panx"].gold.iloc[0]) == panx[0]["gold"]
    korean = [r for r in rows if r["task"] == "pawsx" and r["language"] == "ko"]
    assert [r["gold"] for r in korean] == [None, None] and all(r["prediction"] in ("0", "1") for r in korean)
    tatoeba = {r["language"]: r for r in rows if r["task"] == "tatoeba"}
    assert tatoeba["ar"]["gold"] == tatoeba["ar"]["id"] and tatoeba["de"]["gold"] is None  # alignment unknown
    bad = runner.invoke(app, ["export", "predictions", str(path), "--out", str(tmp_path / "p.csv")])
    assert bad.exit_code == 2 and ".jsonl or .parquet" in bad.output


def test_exports_hold_only_the_given_configs_jobs(experiment, tmp_path):
    """A ``--set`` variant run into the same store is not exported with the original config."""
    path, loaded = experiment
    variant = load_experiment(path, ["finetune.learning_rate=3e-3", "targets={xnli: {languages: [sw]}}"])
    run_experiment(variant, console=QUIET)
    frame = ResultsStore(loaded.store_path).scores_frame("exported")
    assert frame["job_id"].nunique() > len(loaded.targets)  # the store now holds both configs' jobs
    runner = CliRunner()
    out = tmp_path / "mine.jsonl"
    result = runner.invoke(app, ["export", "predictions", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    jobs = {json.loads(line)["job"] for line in out.read_text(encoding="utf-8").splitlines()}
    variant_jobs = set(frame["job_id"]) - jobs
    assert variant_jobs, "the variant's evaluate job must not be exported with the original config"
    xnli = {row.job_id for row in frame[frame.target_task == "xnli"].itertuples()}
    assert len(xnli) == 2 and len(xnli & jobs) == 1
