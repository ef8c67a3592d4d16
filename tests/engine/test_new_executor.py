"""Adding an executor is adding a ``run_<name>(jobs, ctx, on_done)`` to ``pipeline/executors.py``."""

from __future__ import annotations

import os

import pytest
from rich.console import Console

from tests.engine.conftest import write_experiment
from xstilts.errors import UnknownNameError
from xstilts.pipeline import executors
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.jobs import run_job
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session


def test_a_new_executor_runs_the_grid_by_its_name(tiny_world, tmp_path, monkeypatch):
    ran: list[str] = []

    def run_in_order(jobs, ctx, on_done) -> None:
        """The simplest executor: every job in the planned (topological) order, in this process."""
        for job in jobs:
            ran.append(job.kind)
            on_done(job, run_job(job, ctx))

    monkeypatch.setattr(executors, "run_in_order", run_in_order, raising=False)
    path = write_experiment(
        tmp_path / "exp.yaml", tiny_world, "order", conditions={"none": [], "kind-en": ["tinykind:en"]},
        targets={"tinytopic": {}},
    )  # fmt: skip
    config = load_experiment(path)
    summary = run_experiment(config, console=QUIET, executor="in_order")
    assert ran == ["intermediate", "finetune", "finetune", "evaluate", "evaluate"]
    assert summary.executed == {"intermediate": 1, "finetune": 2, "evaluate": 2}
    frame = ResultsStore(config.store_path).scores_frame("order")
    assert set(frame[frame.is_main == 1].condition) == {"none", "kind-en"}


def test_an_unknown_executor_is_refused_before_anything_runs(tiny_world, tmp_path):
    config = load_experiment(write_experiment(tmp_path / "exp.yaml", tiny_world, "nope"))
    with pytest.raises(UnknownNameError, match=r"unknown executor 'lcoal'.*did you mean 'local'"):
        run_experiment(config, console=QUIET, executor="lcoal")
    assert not config.store_path.exists()
