"""Experiment files: typos and bad values give one line naming the field and what is allowed."""

from __future__ import annotations

import pytest

from xstilts.errors import ConfigError
from xstilts.pipeline.config import load_experiment

BASE = """name: t
models: [multilingual-e5-small]
seeds: [1]
conditions:
  none: []
  en: [msgkind:en]
targets:
  msgdomain: {}
"""


def _load(tmp_path, text, overrides=None):
    path = tmp_path / "exp.yaml"
    path.write_text(text, encoding="utf-8")
    return load_experiment(path, overrides)


def test_valid_config_and_overrides(tmp_path):
    config = _load(tmp_path, BASE, ["finetune.learning_rate=1e-4", "seeds=[1, 2]"])
    assert config.finetune.learning_rate == 1e-4 and config.seeds == [1, 2]
    assert config.conditions["en"][0].task == "msgkind" and config.conditions["en"][0].language == "en"
    assert config.store_path.name == "results.sqlite"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BASE + "intermediate: {max_step: 3}\n",
            "unknown field 'intermediate.max_step'.*did you mean 'max_steps'",
        ),
        (BASE + "runtime: {precision: fp16}\n", "field 'runtime.precision'.*'auto', 'fp32' or 'bf16'"),
        (BASE + "finetune: {learning_rate: -1}\n", "field 'finetune.learning_rate'.*greater than 0"),
        (BASE.replace("seeds: [1]", "seeds: [1, 1]"), "seeds must be distinct"),
        (BASE + "conditions: {}\n", "duplicate key 'conditions'"),
        (BASE + "targetz: {}\n", "unknown field 'targetz'.*did you mean 'targets'"),
        ("name: [unclosed\n", "invalid YAML"),
    ],
)
def test_config_errors_are_one_line(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        _load(tmp_path, text)
    assert "\n" not in str(error.value) and "exp.yaml" in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="experiment file not found"):
        load_experiment(tmp_path / "nope.yaml")


def test_unknown_task_in_plan_names_the_config_path(tmp_path, monkeypatch):
    from xstilts.pipeline.planner import build_plan

    config = _load(tmp_path, BASE.replace("en: [msgkind:en]", "en: [msgknd:en]"))
    with pytest.raises(
        ConfigError, match=r"conditions\.en\.0: unknown task 'msgknd'.*did you mean 'msgkind'"
    ):
        build_plan(config, "fp32")
