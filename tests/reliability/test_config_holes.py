"""Point 7: config holes are errors with a clear line, all at once, never the whole config pasted."""

from __future__ import annotations

import pytest
import yaml

from tests.reliability.conftest import small_experiment
from xstilts.errors import ConfigError, MissingResourceError
from xstilts.pipeline.config import load_experiment


def _edit(path, **changes):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"conditions": {}}, "conditions is empty"),
        ({"targets": {"tinytopic": {"languages": []}}}, "no languages"),
        ({"targets": {}}, "at least one target"),
        ({"models": []}, "'models'"),
        ({"seeds": []}, "'seeds'"),
        ({"intermediate": {"mlm": {"task": "tinykind", "languages": []}}}, "'intermediate.mlm.languages'"),
    ],
)
def test_an_empty_grid_is_an_error(tiny_world, tmp_path, cli, changes, expected):
    path = _edit(small_experiment(tmp_path, tiny_world, "empty"), **changes)
    with pytest.raises(ConfigError, match=expected):
        load_experiment(path)
    shown = cli("run", path)
    assert shown.code == 2 and len(shown.error_lines) == 1


def test_dry_run_checks_model_names_offline(tiny_world, tmp_path, cli):
    path = _edit(small_experiment(tmp_path, tiny_world, "model"), models=["multilingual-e5-smal"])
    shown = cli("run", path, "--dry-run")
    assert shown.code == 2 and len(shown.error_lines) == 1, shown.out + shown.err
    assert "did you mean 'multilingual-e5-small'" in " ".join(shown.err.split())
    path = _edit(path, models=["FacebookAI/xlm-roberta-lage"])  # a hub id that is not in the cache
    from xstilts.pipeline.planner import build_plan

    with pytest.raises(MissingResourceError, match="not in the Hugging Face cache"):
        build_plan(load_experiment(path), "fp32")
    assert not load_experiment(path).store_path.exists()


def test_a_misspelt_required_field_is_flagged_next_to_the_missing_one(tiny_world, tmp_path):
    path = small_experiment(tmp_path, tiny_world, "typo")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["modles"] = raw.pop("models")
    raw["description"] = "a long description that must never be pasted into the error " * 20
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_experiment(path)
    line = str(error.value)
    assert "required field 'models' is missing" in line and "unknown field 'modles'" in line
    assert "did you mean 'models'" in line
    assert "a long description" not in line and "tinykind" not in line  # no pasted config


def test_all_errors_are_shown_at_once_up_to_a_limit(tiny_world, tmp_path):
    path = small_experiment(tmp_path, tiny_world, "many")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["finetune"] = {"max_steps": 0, "batch_size": "big", "learning_rat": 1}
    raw["runtime"] = {"precision": "fp8"}
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_experiment(path)
    line = str(error.value)
    assert "\n" not in line and line.startswith(f"{path}: 4 problems:")
    for field in ("finetune.max_steps", "finetune.batch_size", "finetune.learning_rat", "runtime.precision"):
        assert field in line
    from xstilts.pipeline.config import MAX_SHOWN_ERRORS

    raw["finetune"] = {f"unknown_{i}": i for i in range(MAX_SHOWN_ERRORS + 5)}
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"and 6 more"):  # 13 unknown + precision, 8 shown
        load_experiment(path)
