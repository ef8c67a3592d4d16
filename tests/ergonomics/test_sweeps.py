"""Sweeps: a list value for a phase hyperparameter is a grid axis with its own job keys and label."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console

from tests.engine.conftest import write_experiment
from xstilts.errors import ConfigError
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.planner import build_plan
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session
PHASE = {"max_steps": 3, "batch_size": 8, "eval_every": 0, "learning_rate": 1e-3}


def _experiment(tmp_path, world, name, **overrides):
    settings = {
        "conditions": {"none": [], "kind-en": ["tinykind:en"]},
        "targets": {"tinytopic": {}},
        "intermediate": dict(PHASE),
        "finetune": dict(PHASE),
        **overrides,
    }
    return write_experiment(tmp_path / f"{name}.yaml", world, name, **settings)


def test_a_list_value_expands_to_one_finetune_job_per_value(tiny_world, tmp_path):
    swept = {**PHASE, "learning_rate": [1e-3, 5e-3]}
    config = load_experiment(_experiment(tmp_path, tiny_world, "sweep", finetune=swept))
    assert config.sweep == {"finetune.learning_rate": [1e-3, 5e-3]}
    plan = build_plan(config, "fp32")
    finetunes = plan.by_kind("finetune")
    # (none + kind-en) x 2 learning rates; the intermediate job is not swept, so it is shared
    assert len(plan.by_kind("intermediate")) == 1
    assert len(finetunes) == 4 and len({job.key for job in finetunes}) == 4
    assert sorted(job.payload["phase"]["learning_rate"] for job in finetunes) == [1e-3, 1e-3, 5e-3, 5e-3]
    models = {cell.model for job in plan.by_kind("evaluate") for cell in job.cells}
    model = str(tiny_world["model"])
    assert models == {f"{model} [finetune.learning_rate=0.001]", f"{model} [finetune.learning_rate=0.005]"}
    # the same recipe without a sweep is the same finetune job: a sweep reuses earlier work
    single = load_experiment(_experiment(tmp_path, tiny_world, "single"))
    single_keys = {job.key for job in build_plan(single, "fp32").by_kind("finetune")}
    lr1 = {job.key for job in finetunes if job.payload["phase"]["learning_rate"] == 1e-3}
    assert single_keys == lr1


def test_set_takes_comma_lists_and_two_axes_give_their_product(tiny_world, tmp_path):
    path = _experiment(tmp_path, tiny_world, "cli")
    config = load_experiment(path, ["finetune.learning_rate=1e-3,5e-3", "intermediate.max_steps=3,4"])
    assert config.sweep == {"finetune.learning_rate": [1e-3, 5e-3], "intermediate.max_steps": [3, 4]}
    plan = build_plan(config, "fp32")
    assert len(plan.by_kind("intermediate")) == 2  # one per intermediate.max_steps value
    assert len(plan.by_kind("finetune")) == 2 * 2 * 2 - 2  # "none" ignores intermediate.max_steps
    assert len(plan.by_kind("evaluate")) == 2 * 4  # 2 conditions x 4 sweep points
    yaml_list = load_experiment(
        _experiment(tmp_path, tiny_world, "cli", finetune={**PHASE, "learning_rate": [1e-3, 5e-3]}),
        ["intermediate.max_steps=[3, 4]"],
    )
    assert set(build_plan(yaml_list, "fp32").jobs) == set(plan.jobs)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("finetune.learning_rate=1e-3,-1", "sweep axis 'finetune.learning_rate': value -1"),
        ("finetune.learning_rate=1e-3,1e-3", "at least two distinct values"),
    ],
)
def test_bad_sweep_values_name_the_axis(tiny_world, tmp_path, override, expected):
    with pytest.raises(ConfigError, match=expected):
        load_experiment(_experiment(tmp_path, tiny_world, "bad"), [override])


def test_a_sweep_runs_and_the_store_labels_each_point(tiny_world, tmp_path):
    swept = {**PHASE, "learning_rate": [1e-3, 5e-3]}
    config = load_experiment(_experiment(tmp_path, tiny_world, "run", finetune=swept))
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["evaluate"] == 4
    frame = ResultsStore(config.store_path).scores_frame("run")
    main = frame[frame.is_main == 1]
    for model, rows in main.groupby("model"):
        assert "finetune.learning_rate=" in model
        assert set(rows.condition) == {"none", "kind-en"}  # every point has its own baseline
        assert sorted(rows.language.unique()) == ["de", "en", "fr"]
    assert main.model.nunique() == 2
    from xstilts.analysis.report import build_report

    report = build_report(config.store_path, config.name, config.report_dir, n_boot=50)
    text = Path(report.index_md).read_text(encoding="utf-8")
    for model in main.model.unique():
        assert model in text  # each sweep point is its own labelled model in the report
