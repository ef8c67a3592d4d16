"""The experiment's ``report:`` section declares the study design; typos are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.errors import ConfigError
from xstilts.pipeline.config import load_experiment

BASE = "name: t\nmodels: [m]\nseeds: [1, 2, 3]\nconditions: {none: []}\ntargets: {xnli: {}}\n"


def _load(tmp_path: Path, report: str):
    path = tmp_path / "exp.yaml"
    path.write_text(BASE + report, encoding="utf-8")
    return load_experiment(path)


def test_the_study_design_reaches_the_report(tmp_path: Path) -> None:
    config = _load(tmp_path, "report:\n  primary: {task: xnli, kind: genetic, estimand: mitigation, condition: mnli}\n"
                             "  sesoi: 0.5\n  dependent: logit\n  chance: {xnli: 33.3}\n  correction: bh\n")  # fmt: skip
    design = config.report.study_design()
    assert design["primary"] == {
        "task": "xnli",
        "kind": "genetic",
        "estimand": "mitigation",
        "condition": "mnli",
    }
    assert (design["sesoi"], design["dependent"], design["correction"]) == (0.5, "logit", "bh")
    assert design["chance"] == {"xnli": 33.3}


@pytest.mark.parametrize(
    ("report", "named"),
    [
        ("report: {primary: {task: xnli, estimand: mitigation}}\n", "report.primary"),
        ("report: {primary: {task: xnli, kind: syntax}}\n", "report.primary.kind"),
        ("report: {sesoi: 0}\n", "report.sesoi"),
        ("report: {dependent: ratio}\n", "report.dependent"),
    ],
)
def test_bad_study_designs_are_one_line(tmp_path: Path, report: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, report)
    assert named in str(error.value) and "\n" not in str(error.value)
