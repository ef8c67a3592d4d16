"""Tracking: curves and dev evaluations land in TensorBoard event files and MLflow runs, readable back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from tests.engine.conftest import write_experiment
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session
PHASE = {"max_steps": 6, "batch_size": 8, "eval_every": 3, "learning_rate": 1e-3, "warmup_ratio": 0.0}


def _scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


@pytest.fixture(scope="module")
def tracked_run(tiny_world, tmp_path_factory):
    pytest.importorskip("mlflow", reason="MLflow is the optional [tracking] extra")
    root = tmp_path_factory.mktemp("tracking")
    path = write_experiment(
        root / "exp.yaml",
        tiny_world,
        "tracked",
        conditions={"none": [], "kind-en": ["tinykind:en"]},
        targets={"tinytopic": {}},
        intermediate=dict(PHASE),
        finetune=dict(PHASE),
        tracking={"log_every": 2, "mlflow": {"uri": "sqlite:///mlflow.db"}},  # relative to exp.yaml
    )
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    return config, root


def test_tensorboard_curves_follow_the_schedule_and_hold_every_dev_evaluation(tracked_run):
    config, _ = tracked_run
    runs = sorted((config.resolved_output_dir / "tensorboard" / "finetune").iterdir())
    assert len(runs) == 2  # one folder per fine-tuning job, named after its label
    for folder in runs:
        scalars = _scalars(folder)
        assert [step for step, _ in scalars["train/loss"]] == [1, 2, 4, 6]  # step 1, every 2, last
        # linear decay from 1e-3 without warm-up: the rate step k used is 1e-3 * (6 - (k - 1)) / 6
        rates = [value for _, value in scalars["train/learning_rate"]]
        assert rates == pytest.approx([1e-3 * (7 - k) / 6 for k in (1, 2, 4, 6)], rel=1e-5)
        assert all(value > 0 for _, value in scalars["train/grad_norm"])
        assert all(value > 0 for _, value in scalars["train/tokens_per_s"])
    artifact_root = config.resolved_artifact_dir / "finetune"
    for artifact in artifact_root.iterdir():
        history = json.loads((artifact / "train_log.json").read_text())
        folder = next(f for f in runs if f.name.endswith(artifact.name[:8]))
        logged = _scalars(folder)["dev/tinytopic:en"]
        assert logged == [(row["step"], pytest.approx(row["tinytopic:en"])) for row in history]
        assert [row["step"] for row in history] == [3, 6]


def test_mlflow_has_one_run_per_job_with_config_params_curves_and_scores(tracked_run):
    from mlflow.tracking import MlflowClient

    config, root = tracked_run
    assert config.tracking.mlflow.uri == f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=config.tracking.mlflow.uri)
    experiment = client.get_experiment_by_name("tracked")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    kinds = sorted(run.data.tags["xstilts.kind"] for run in runs)
    assert kinds == ["evaluate", "evaluate", "finetune", "finetune", "intermediate"]
    assert all(run.info.status == "FINISHED" for run in runs)
    finetune = next(
        r for r in runs if r.data.tags["xstilts.kind"] == "finetune" and r.data.tags["condition"] == "kind-en"
    )
    assert finetune.data.tags["seed"] == "1" and finetune.data.tags["target"] == "tinytopic"
    assert float(finetune.data.params["config.finetune.learning_rate"]) == 1e-3
    history = client.get_metric_history(finetune.info.run_id, "train/loss")
    tb_folder = next(
        f
        for f in (config.resolved_output_dir / "tensorboard" / "finetune").iterdir()
        if f.name.endswith(finetune.data.tags["xstilts.job_key"][:8])
    )
    tb_loss = _scalars(tb_folder)["train/loss"]
    assert sorted((m.step, m.value) for m in history) == [(s, pytest.approx(v)) for s, v in tb_loss]
    frame = ResultsStore(config.store_path).scores_frame("tracked")
    for run in (r for r in runs if r.data.tags["xstilts.kind"] == "evaluate"):
        rows = frame[(frame.job_id == run.data.tags["xstilts.job_key"]) & (frame.metric == "accuracy")]
        rows = rows[
            rows.reference == ""
        ]  # the plain score (en on each language's items is "accuracy (en ...)")
        assert len(rows) == 3
        for row in rows.itertuples():
            assert run.data.metrics[f"test/{row.language}/accuracy"] == pytest.approx(row.value)


def test_mlflow_takes_more_scores_than_one_batch_and_marks_failed_jobs(tmp_path):
    pytest.importorskip("mlflow", reason="MLflow is the optional [tracking] extra")
    from mlflow.tracking import MlflowClient

    from xstilts.training.tracking import Tracker, TrackingTarget

    uri = f"sqlite:///{tmp_path / 'm.db'}"
    scores = {f"test/l{i:04d}/accuracy": i / 10 for i in range(2500)}  # > 1000 metrics per call
    with Tracker(TrackingTarget("eval", mlflow_uri=uri, mlflow_experiment="e", tags={"k": "v"})) as tracker:
        tracker.log(0, scores)
    with (
        pytest.raises(RuntimeError),
        Tracker(TrackingTarget("broken", mlflow_uri=uri, mlflow_experiment="e")),
    ):
        raise RuntimeError("job failed")
    client = MlflowClient(uri)
    runs = {
        r.info.run_name: r for r in client.search_runs([client.get_experiment_by_name("e").experiment_id])
    }
    assert (
        len(runs["eval"].data.metrics) == 2500 and runs["eval"].data.metrics["test/l2499/accuracy"] == 249.9
    )
    assert runs["eval"].info.status == "FINISHED" and runs["broken"].info.status == "FAILED"


def test_the_store_keeps_each_training_jobs_dev_curve_and_the_report_draws_it(tracked_run, tmp_path):
    from xstilts.analysis import dev_curves
    from xstilts.pipeline.store import ResultsStore

    config, _ = tracked_run
    jobs = ResultsStore(config.store_path, readonly=True).jobs_frame(config.name)
    table = dev_curves.curve_table(jobs)
    for artifact in (config.resolved_artifact_dir / "finetune").iterdir():
        history = json.loads((artifact / "train_log.json").read_text())
        rows = table[table["job_id"] == artifact.name]
        assert rows["step"].tolist() == [row["step"] for row in history]
        assert rows["dev"].tolist() == pytest.approx([row["mean"] for row in history])
    assert set(table["condition"]) == {"none", "kind-en"} and set(table["phase"]) == {
        "intermediate",
        "finetune",
    }
    assert dev_curves.curve_table(jobs, {"another config"}).empty  # other configs' jobs stay out
    figures = dev_curves.curve_figures(jobs, None, tmp_path)
    assert set(figures) == {"dev_curves_intermediate", "dev_curves_finetune"}
    assert all((tmp_path / relative).is_file() for relative, _ in figures.values())
    assert len(pd.read_csv(tmp_path / "dev_curves.csv")) == len(table)
