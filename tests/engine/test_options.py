"""Training options through the pipeline: MLM alongside the intermediate task, multi-task sampling,
gradient accumulation, early stopping; and the run/status/results commands."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from tests.engine.conftest import write_experiment
from tests.engine.test_grid import QUIET
from xstilts.cli.main import app
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment


def _metas(config, kind):
    return [json.loads(p.read_text()) for p in config.resolved_artifact_dir.glob(f"{kind}/*/meta.json")]


def test_mlm_multitask_accumulation_and_early_stopping(tiny_world, tmp_path):
    intermediate = {
        "max_steps": 40, "batch_size": 8, "eval_every": 4, "patience": 2, "learning_rate": 1e-3,
        "grad_accumulation": 2, "sampling": "temperature", "temperature": 3.0,
        "mlm": {"task": "tinykind", "languages": ["de", "fr"], "max_examples_per_language": 40},
    }  # fmt: skip
    config = load_experiment(write_experiment(
        tmp_path / "exp.yaml", tiny_world, "options", conditions={"mix": ["tinykind:en", "tinykind:fr"]},
        targets={"tinytopic": {}}, intermediate=intermediate,
    ))  # fmt: skip
    run_experiment(config, console=QUIET)
    (meta,) = _metas(config, "intermediate")
    train = meta["train"]
    # gradient accumulation: 2 micro-batches of 8 per optimiser step
    assert train["examples_seen"] == 16 * train["steps"]
    # early stopping: evaluations every 4 steps, stop after 2 without improvement (40 steps otherwise)
    history = train["dev_history"]
    assert train["stopped_early"] == (train["steps"] < 40)
    assert {"tinykind:en", "tinykind:fr"} <= set(history[0])  # both members scored on their own dev sets
    best = max(h["mean"] for h in history)
    assert train["best_step"] == next(h["step"] for h in history if h["mean"] == best)
    assert set(meta["head_specs"]) == {"tinykind"}  # one head shared by both languages; MLM head not saved
    assert meta["settings"]["sampling"] == "temperature"


def test_cli_run_status_results_and_exports(tiny_world, tmp_path):
    exp = write_experiment(tmp_path / "exp.yaml", tiny_world, "cli", task_modules=["tests.support.tiny"],
                           conditions={"none": []}, targets={"tinytopic": {}})  # fmt: skip
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    dry = runner.invoke(app, ["run", str(exp), "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "pending" in dry.output and "finetune" in dry.output
    ran = runner.invoke(app, ["run", str(exp)], env=env)
    assert ran.exit_code == 0, ran.output
    status = runner.invoke(app, ["status", str(exp)], env=env)
    assert status.exit_code == 0, status.output
    job_rows = [line for line in status.output.splitlines() if "tinytopic" in line]
    assert job_rows and all("done" in line for line in job_rows)
    csv, parquet = tmp_path / "scores.csv", tmp_path / "scores.parquet"
    results = runner.invoke(app, ["results", str(exp), "--csv", str(csv), "--parquet", str(parquet)], env=env)
    assert results.exit_code == 0, results.output
    assert "tinytopic: accuracy" in results.output
    exported = pd.read_csv(csv)
    assert len(exported) == len(pd.read_parquet(parquet)) > 0
    assert {"provenance_json", "condition", "language", "metric", "value", "seed"} <= set(exported.columns)
    typo = runner.invoke(app, ["run", str(exp), "--set", "finetune.max_stepz=3"])
    assert typo.exit_code != 0 and "max_steps" in str(typo.exception)
