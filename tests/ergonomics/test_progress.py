"""Progress events: every job announces itself, training reports steps with a loss from the first
report on, and a run closes with a summary of what ran, what was reused and where results are."""

from __future__ import annotations

import io

from rich.console import Console

from tests.engine.conftest import write_experiment
from xstilts.cli.progress import RichRunView
from xstilts.events import JobFinished, JobProgress, JobStarted, RunFinished, RunStarted
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment

PHASE = {"max_steps": 5, "batch_size": 8, "eval_every": 0, "learning_rate": 1e-3}


def test_a_run_emits_started_progress_finished_and_a_summary(tiny_world, tmp_path):
    path = write_experiment(
        tmp_path / "exp.yaml", tiny_world, "events",
        conditions={"none": [], "kind-en": ["tinykind:en"]}, targets={"tinytopic": {}},
        intermediate=dict(PHASE), finetune=dict(PHASE),
    )  # fmt: skip
    config = load_experiment(path)
    events = []
    summary = run_experiment(config, on_event=events.append)
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    started = [e.key for e in events if isinstance(e, JobStarted)]
    finished = [e.key for e in events if isinstance(e, JobFinished)]
    assert started == finished and len(started) == sum(summary.executed.values()) == 5
    training = [e for e in events if isinstance(e, JobProgress) and e.unit == "steps"]
    assert training and all(e.loss is not None and e.loss == e.loss for e in training)  # never nan
    assert {e.total for e in training} == {5}
    evaluating = [e for e in events if isinstance(e, JobProgress) and e.unit == "languages"]
    assert {e.note for e in evaluating} >= {"en", "de", "fr"}
    closing = events[-1]
    assert closing.status == "done" and closing.reused == 0 and closing.failed == 0
    assert closing.executed == {"intermediate": 1, "finetune": 2, "evaluate": 2}
    assert closing.store_path == config.store_path

    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False)
    with RichRunView(console) as view:
        again = run_experiment(config, on_event=view)
    assert sum(again.executed.values()) == 0
    text = out.getvalue()
    assert "jobs run: 0; reused (already finished): 5; failed: 0" in text
    assert str(config.store_path) in text and str(config.report_dir) in text


def test_a_dry_run_reports_what_would_run_and_runs_nothing(tiny_world, tmp_path):
    path = write_experiment(
        tmp_path / "exp.yaml", tiny_world, "dry",
        conditions={"none": [], "kind-en": ["tinykind:en"]}, targets={"tinytopic": {}},
        intermediate=dict(PHASE), finetune=dict(PHASE),
    )  # fmt: skip
    events = []
    summary = run_experiment(load_experiment(path), dry_run=True, on_event=events.append)
    assert sum(summary.executed.values()) == 0
    assert not any(isinstance(e, (JobStarted, JobProgress)) for e in events)
    assert len(events[0].jobs) == 5 and not any(row.done for row in events[0].jobs)
    assert (events[-1].status, events[-1].pending, events[-1].reused) == ("dry-run", 5, 0)


def test_the_job_bar_shows_steps_rate_eta_and_the_loss(tmp_path):
    from xstilts.events import PlanRow

    out = io.StringIO()
    console = Console(file=out, width=150, force_terminal=True, color_system=None)
    started = RunStarted("x", "grid", "cpu", tmp_path, "cfg123", [], [PlanRow("finetune", 1, 0)])
    with RichRunView(console) as view:
        view(started)
        view(JobStarted("k" * 16, "finetune", "model · none · topic · seed 1"))
        for step in (1, 2, 3):
            view(JobProgress("k" * 16, step, 10, "steps", 0.5 + step / 10))
    text = out.getvalue()
    assert "finetune: model · none · topic · seed 1" in text
    assert "3/10" in text and "loss 0.800" in text and "steps/s" in text and "nan" not in text
