"""A learning rate picked on dev from a declared set: the rule, the pipeline job, the record, the report."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.engine.conftest import write_experiment
from tests.engine.test_grid import QUIET
from xstilts.errors import ConfigError
from xstilts.pipeline.config import PhaseConfig, load_experiment
from xstilts.pipeline.planner import build_plan
from xstilts.pipeline.runner import run_experiment
from xstilts.training.selection import select_learning_rate
from xstilts.training.trainer import TrainResult, TrainSettings


def _result(dev_means: list[float]) -> TrainResult:
    history = [{"step": 10 * (i + 1), "loss": 1.0, "mean": m} for i, m in enumerate(dev_means)]
    best = max(range(len(dev_means)), key=lambda i: dev_means[i]) if dev_means else 0
    return TrainResult(len(dev_means) * 10, 0, 0, 0, 1.0, 10 * (best + 1), {}, history, 0.5, False)


def test_the_rate_with_the_best_dev_score_wins_and_ties_go_to_the_first_declared():
    curves = {1e-4: [40.0, 55.0], 3e-4: [50.0, 61.0, 58.0], 1e-3: [61.0, 20.0]}
    built, seen = [], []

    def build():
        built.append(object())
        return built[-1]

    def run(model, settings):
        seen.append((model, settings.learning_rate))
        return _result(curves[settings.learning_rate])

    selection = select_learning_rate(build, run, TrainSettings(learning_rate=9.0), [1e-4, 3e-4, 1e-3])
    assert selection.chosen == 3e-4  # 61 first reached by 3e-4; 1e-3 ties at 61 and is declared later
    assert selection.model is built[1] and len(built) == 3  # a fresh model per rate, the winner kept
    assert [rate for _, rate in seen] == [1e-4, 3e-4, 1e-3] and len({id(m) for m, _ in seen}) == 3
    record = selection.record()
    assert record["chosen_learning_rate"] == 3e-4
    assert [c["best_dev_mean"] for c in record["candidates"]] == [55.0, 61.0, 61.0]
    assert [c["best_step"] for c in record["candidates"]] == [20, 20, 10]


def test_a_phase_without_dev_scores_cannot_choose():
    with pytest.raises(ValueError, match="dev"):
        select_learning_rate(object, lambda m, s: _result([]), TrainSettings(), [1e-4, 3e-4])


def test_the_config_declares_rates_only_with_dev_evaluations_and_keeps_old_job_keys(tiny_world, tmp_path):
    with pytest.raises(ValueError, match="eval_every"):
        PhaseConfig(learning_rates=[1e-4], eval_every=0)
    with pytest.raises(ValueError, match="> 0"):
        PhaseConfig(learning_rates=[1e-4, 0.0])
    assert "learning_rates" not in PhaseConfig().hashed()  # unset: hashed as before the option existed
    base = load_experiment(write_experiment(tmp_path / "a.yaml", tiny_world, "keys"))
    chosen = load_experiment(write_experiment(
        tmp_path / "b.yaml", tiny_world, "keys",
        intermediate={"max_steps": 12, "batch_size": 8, "eval_every": 6, "learning_rates": [1e-3, 3e-3]},
    ))  # fmt: skip
    plain, picked = build_plan(base, "fp32"), build_plan(chosen, "fp32")
    assert base.config_hash != chosen.config_hash
    kinds = {job.key: job.kind for job in plain.jobs.values()}
    unchanged = {key for key in plain.jobs if key in picked.jobs}
    # only jobs downstream of an intermediate phase move; none-condition fine-tunings keep their keys
    assert unchanged and all(kinds[key] != "intermediate" for key in unchanged)
    assert {job.kind for job in picked.jobs.values() if job.key not in plain.jobs} >= {"intermediate"}


def test_bad_rates_in_the_experiment_file_are_one_line(tiny_world, tmp_path):
    path = write_experiment(tmp_path / "bad.yaml", tiny_world, "bad", finetune={"learning_rates": []})
    with pytest.raises(ConfigError, match="learning_rates"):
        load_experiment(path)


def test_the_job_trains_once_per_rate_keeps_the_best_and_the_report_lists_the_choice(tiny_world, tmp_path):
    from xstilts.analysis.report import build_report

    rates = [1e-6, 3e-3]  # 1e-6 barely moves a fresh head: 3e-3 must win on dev
    config = load_experiment(write_experiment(
        tmp_path / "exp.yaml", tiny_world, "lrsel", conditions={"none": [], "kind-en": ["tinykind:en"]},
        targets={"tinytopic": {}},
        intermediate={"max_steps": 12, "batch_size": 8, "eval_every": 6, "learning_rates": rates},
        finetune={"max_steps": 12, "batch_size": 8, "eval_every": 6, "learning_rate": 1e-3},
    ))  # fmt: skip
    run_experiment(config, console=QUIET)
    (meta,) = [
        json.loads(p.read_text()) for p in config.resolved_artifact_dir.glob("intermediate/*/meta.json")
    ]
    selection = meta["learning_rate_selection"]
    candidates = {c["learning_rate"]: c for c in selection["candidates"]}
    assert set(candidates) == set(rates)
    assert candidates[3e-3]["best_dev_mean"] > candidates[1e-6]["best_dev_mean"]
    assert selection["chosen_learning_rate"] == 3e-3 == meta["settings"]["learning_rate"]
    assert meta["train"]["best_dev"]  # the kept run is the chosen one: its best dev is the winner's
    assert max(meta["train"]["best_dev"].values()) == pytest.approx(candidates[3e-3]["best_dev_mean"])
    assert "learning_rate_selection" not in json.loads(
        next(config.resolved_artifact_dir.glob("finetune/*/meta.json")).read_text()
    )  # the fine-tuning phase declared one rate: nothing to record
    summary = build_report(config.store_path, config.name, tmp_path / "report", n_boot=50)
    table = pd.read_csv(tmp_path / "report" / "learning_rates.csv")
    assert sorted(table["learning_rate"]) == rates and table["chosen"].sum() == 1
    assert "Learning rates picked on dev" in summary.index_md.read_text()
