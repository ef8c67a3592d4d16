"""Scores stored by metric key: columns, not '@' names; old stores migrated, old artifacts reused.

Stores written before the key columns spelled a score's variant into ``metric``
(``retrieval_accuracy@layer07``, ``accuracy@en-same-items``). The old schema below is the one those
versions created; a store of it is migrated when opened for writing and read as if migrated when
opened read-only, and the analysis gives the same tables either way.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.reliability.conftest import QUIET, config_scores, small_experiment
from xstilts.analysis.frame import build_frame, select_scores
from xstilts.analysis.layer_sweep import sweep_table
from xstilts.analysis.tables import xtreme_average
from xstilts.pipeline.cache import META, inventory
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.maintenance import rebuild_store
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import SCORE_COLUMNS, ResultsStore, ScoreRow
from xstilts.tasks.metrics._inputs import MetricInputError
from xstilts.tasks.metrics.keys import MetricKey

OLD_SCORES = """
CREATE TABLE scores (
    experiment TEXT NOT NULL, job_id TEXT NOT NULL, model TEXT NOT NULL, condition TEXT NOT NULL,
    intermediate TEXT NOT NULL, sources TEXT NOT NULL, target_task TEXT NOT NULL, language TEXT NOT NULL,
    split TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, seed INTEGER NOT NULL,
    is_main INTEGER NOT NULL, higher_is_better INTEGER NOT NULL, n_examples INTEGER,
    provenance_json TEXT NOT NULL, created_at REAL NOT NULL,
    PRIMARY KEY (experiment, job_id, condition, seed, target_task, language, split, metric)
);
CREATE INDEX scores_by_condition ON scores (experiment, condition, target_task);
CREATE TABLE runs (run_id TEXT PRIMARY KEY, experiment TEXT NOT NULL, config_hash TEXT NOT NULL,
    code_version TEXT NOT NULL, host TEXT, started_at REAL NOT NULL, finished_at REAL, status TEXT NOT NULL,
    config_json TEXT NOT NULL);
CREATE TABLE jobs (experiment TEXT NOT NULL, job_id TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL,
    status TEXT NOT NULL, run_id TEXT, started_at REAL, finished_at REAL, wall_s REAL, artifact TEXT,
    provenance_json TEXT, PRIMARY KEY (experiment, job_id));
"""
LANGUAGES = {"en": 0.0, "de": -10.0, "fr": -20.0}


def _old_rows() -> list[tuple[str, str, str, int, str, str, float, int]]:
    """(job, condition, task, seed, language, old metric name, value, is_main): topic, QA and retrieval."""
    rows = []
    for condition, shift in (("none", 0.0), ("kind-en", 5.0)):
        for seed in (1, 2):
            job = f"j-{condition}-{seed}"
            for language, gap in LANGUAGES.items():
                base = 80.0 + gap + shift + seed
                rows.append((job, condition, "topic", seed, language, "accuracy", base, 1))
                if language != "en":
                    rows.append(
                        (job, condition, "topic", seed, language, "accuracy@en-same-items", 85.0 + seed, 0)
                    )
                rows.append((job, condition, "qa", seed, language, "squad_f1", base - 5, 1))
                rows.append((job, condition, "qa", seed, language, "squad_exact_match", base - 25, 0))
                rows.append((job, condition, "qa", seed, language, "squad_f1@dev", base, 0))
                if language == "en":
                    continue
                rows.append((job, condition, "retrieval", seed, language, "retrieval_accuracy", base - 30, 1))
                for direction, offset in (("en->xx", 1.0), ("xx->en", -1.0)):
                    rows.append((job, condition, "retrieval", seed, language, f"retrieval_accuracy@{direction}",
                                 base - 30 + offset, 0))  # fmt: skip
                for layer in range(3):
                    rows.append((job, condition, "retrieval", seed, language, f"retrieval_accuracy@layer{layer:02d}",
                                 10.0 * layer + shift, 0))  # fmt: skip
                rows.append((job, condition, "retrieval", seed, language, "mrr@last-layer", 0.5, 0))
    return rows


def _old_store(path: Path) -> Path:
    """A store as the versions before metric keys wrote it (their DDL, their names)."""
    con = sqlite3.connect(path)
    con.executescript(OLD_SCORES)
    con.execute("INSERT INTO runs VALUES ('r1','e','cfg','old',NULL,1.0,2.0,'done','{}')")
    for job, condition, task, seed, language, metric, value, is_main in _old_rows():
        con.execute(
            "INSERT INTO scores VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ("e", job, "m", condition, "" if condition == "none" else "tinykind:en",
             "" if condition == "none" else "en", task, language, "test", metric, value, seed, is_main, 1, 10,
             json.dumps({"job": job}), 100.0 + seed),
        )  # fmt: skip
    con.commit()
    con.close()
    return path


def _tables(store: ResultsStore) -> dict[str, pd.DataFrame]:
    """The analysis's tables of experiment 'e' (frame rows, XTREME average, layer sweep)."""
    scores = store.scores_frame("e")
    selection = select_scores(scores, store.runs_frame("e"))
    frame = build_frame(selection)
    rows = frame.rows.sort_values(["condition", "target_task", "language", "seed"]).reset_index(drop=True)
    return {"rows": rows, "xtreme": xtreme_average(frame.rows, selection.qa_partners).reset_index(drop=True),
            "sweep": sweep_table(scores)}  # fmt: skip


def _keyed(frame: pd.DataFrame) -> list[tuple]:
    columns = [c for c in SCORE_COLUMNS if c != "created_at"]
    return sorted(tuple(row) for row in frame[columns].itertuples(index=False))


def test_an_old_store_is_read_as_if_migrated_without_writing(tmp_path: Path) -> None:
    path = _old_store(tmp_path / "results.sqlite")
    before = path.read_bytes()
    frame = ResultsStore(path, readonly=True).scores_frame("e")
    assert path.read_bytes() == before  # read-only: not migrated, not touched
    assert list(frame.columns) == SCORE_COLUMNS
    assert not frame["metric"].str.contains("@").any()
    same = frame[frame["reference"] != ""]
    assert set(same["metric"]) == {"accuracy"} and set(same["reference"]) == {"en"}
    assert set(frame["direction"]) == {"", "en->xx", "xx->en"}
    assert set(frame.loc[frame["metric"] == "squad_f1", "variant"]) == {"", "dev"}


def test_an_old_store_is_migrated_on_open_once_and_keeps_every_value(tmp_path: Path) -> None:
    path = _old_store(tmp_path / "results.sqlite")
    read_only = ResultsStore(path, readonly=True).scores_frame("e")
    ResultsStore(path)  # opened for writing: migrated
    con = sqlite3.connect(path)
    info = {row[1]: row for row in con.execute("PRAGMA table_info(scores)")}
    schema = con.execute("SELECT sql FROM sqlite_master WHERE name='scores'").fetchone()[0]
    indexes = [row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='index'")]
    con.close()
    assert all(
        info[column][5] > 0 for column in ("metric", "variant", "direction", "reference")
    )  # in the key
    assert info["variant"][3] == 1 and info["variant"][4] == "''"  # NOT NULL DEFAULT ''
    assert "scores_by_condition" in indexes
    migrated = ResultsStore(path).scores_frame("e")  # opened again: nothing to do
    assert _keyed(migrated) == _keyed(read_only)
    assert len(migrated) == len(_old_rows())
    assert sorted(migrated["created_at"]) == sorted(read_only["created_at"])  # copied, not rewritten
    con = sqlite3.connect(path)
    assert con.execute("SELECT sql FROM sqlite_master WHERE name='scores'").fetchone()[0] == schema
    con.close()
    layer = migrated[(migrated["metric"] == "retrieval_accuracy") & (migrated["variant"] == "layer02")]
    row = layer[layer["condition"] == "none"].iloc[0]
    assert row["value"] == 20.0 and row["direction"] == "" and row["reference"] == ""


def test_a_failed_migration_leaves_the_old_store_whole(tmp_path: Path, monkeypatch) -> None:
    from xstilts.pipeline import store as store_module

    path = _old_store(tmp_path / "results.sqlite")
    calls = []

    def failing(name: str) -> MetricKey:
        calls.append(name)
        if len(calls) == 5:
            raise MetricInputError("boom")
        return MetricKey(name.partition("@")[0])

    monkeypatch.setattr(store_module, "legacy_key", failing)
    with pytest.raises(MetricInputError):
        ResultsStore(path)
    con = sqlite3.connect(path)
    columns = {row[1] for row in con.execute("PRAGMA table_info(scores)")}
    count = con.execute("SELECT count(*) FROM scores").fetchone()[0]
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert "variant" not in columns and count == len(_old_rows()) and "scores_keyed" not in tables


def test_the_analysis_gives_the_same_tables_before_and_after_migration(tmp_path: Path) -> None:
    old = _old_store(tmp_path / "old.sqlite")
    before = _tables(ResultsStore(old, readonly=True))
    after = _tables(ResultsStore(_old_store(tmp_path / "migrated.sqlite")))
    for name, table in before.items():
        pd.testing.assert_frame_equal(table, after[name], check_dtype=False)
    rows = before["rows"].set_index(["condition", "target_task", "language", "seed"])
    # de's gap is against English on de's own items (85 + seed), not English's all-item score
    assert rows.loc[("none", "topic", "deu", 1), "dependent"] == pytest.approx(71.0 - 86.0)
    assert rows.loc[("none", "topic", "deu", 1), "reference_kind"] == "same items"
    xtreme = before["xtreme"].set_index("condition")
    # (mean F1 66.5 + mean EM 46.5) / 2 over en, de, fr: the dev variant of the F1 never enters
    assert xtreme.loc["none", "qa"] == pytest.approx(56.5)
    sweep = before["sweep"].set_index(["condition", "layer"])["mean"]
    assert sweep[("kind-en", 2)] == pytest.approx(25.0) and sweep[("none", 0)] == pytest.approx(0.0)


def test_new_rows_have_key_columns_and_no_qualified_names(tiny_world, tmp_path: Path) -> None:
    """A run writes keyed rows and keyed scores.json; the main row is the plain primary metric."""
    path = small_experiment(
        tmp_path, tiny_world, "keyed", conditions={"none": []}, targets={"tinytopic": {}, "tinyretrieval": {}}
    )
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    frame = ResultsStore(config.store_path).scores_frame("keyed")
    assert not frame["metric"].str.contains("@").any()
    main = frame[frame["is_main"] == 1]
    assert (main[["variant", "direction", "reference"]] == "").all().all()
    assert set(main["metric"]) == {"accuracy", "retrieval_accuracy"}
    retrieval = frame[frame["target_task"] == "tinyretrieval"]
    assert {"layer00", "layer01", "layer02", "last-layer"} <= set(retrieval["variant"])
    assert set(retrieval["direction"]) == {"", "en->xx", "xx->en"}
    topic = frame[frame["target_task"] == "tinytopic"]
    assert set(topic.loc[topic["reference"] != "", "language"]) == {"de", "fr"}
    job = json.loads(main["provenance_json"].iloc[0])["job"]
    scores_json = config.resolved_artifact_dir / "evaluate" / job / "scores.json"
    records = next(iter(json.loads(scores_json.read_text()).values()))["scores"]
    assert isinstance(records, list) and {"metric", "variant", "direction", "reference", "value"} == set(
        records[0]
    )


def _as_old_artifact(folder: Path) -> None:
    """Rewrite an evaluate artifact's scores.json the way versions before keys wrote it (name -> value)."""
    path = folder / "scores.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    for result in results.values():
        names = {}
        for r in result["scores"]:
            suffix = (
                r["variant"] or r["direction"] or (f"{r['reference']}-same-items" if r["reference"] else "")
            )
            names[r["metric"] + (f"@{suffix}" if suffix else "")] = r["value"]
        result["scores"] = names
    path.write_text(json.dumps(results, indent=2, sort_keys=True), encoding="utf-8")
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    meta["files"] = inventory(folder)  # still a sound artifact: the cache reuses it as it is
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def test_old_scores_json_artifacts_are_reused_and_recorded_with_keys(tiny_world, tmp_path: Path) -> None:
    path = small_experiment(
        tmp_path, tiny_world, "reuse", conditions={"none": []}, targets={"tinytopic": {}, "tinyretrieval": {}}
    )
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    good = ResultsStore(config.store_path).scores_frame("reuse")
    for folder in (config.resolved_artifact_dir / "evaluate").iterdir():
        _as_old_artifact(folder)
    config.store_path.unlink()
    rebuild_store(config)
    rebuilt = ResultsStore(config.store_path).scores_frame("reuse")
    columns = [c for c in SCORE_COLUMNS if c not in ("created_at", "provenance_json")]
    assert sorted(map(tuple, rebuilt[columns].itertuples(index=False))) == sorted(
        map(tuple, good[columns].itertuples(index=False))
    )
    assert sum(run_experiment(config, console=QUIET).executed.values()) == 0
    assert config_scores(config) == sorted(map(tuple, good[["condition", "seed", "target_task", "language",
                                                            "metric", "variant", "direction", "reference",
                                                            "value"]].itertuples(index=False)))  # fmt: skip


def test_score_rows_carry_their_key() -> None:
    row = ScoreRow(model="m", condition="none", intermediate="", sources="", target_task="t", language="de",
                   split="test", metric="accuracy", value=1.0, seed=1, is_main=False, reference="en")  # fmt: skip
    assert row.key == MetricKey("accuracy", reference="en")
