"""Helpers for the reliability tests: a 5-job tiny grid, the CLI in-process, scores to compare."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from rich.console import Console

from tests.engine.conftest import write_experiment
from tests.support.scores import score_tuples

QUIET = Console(file=open(os.devnull, "w"), width=160)  # noqa: SIM115 - lives for the session
REPO = Path(__file__).resolve().parents[2]


def child_pythonpath() -> str:
    """Child processes import the same xstilts as this test process (and tests.support from here)."""
    import xstilts

    return f"{Path(xstilts.__file__).resolve().parents[1]}{os.pathsep}{REPO}"


SMALL = {"max_steps": 6, "batch_size": 8, "eval_every": 3, "learning_rate": 1e-3}


def small_experiment(folder: Path, world: dict[str, Path], name: str, **overrides) -> Path:
    """1 intermediate + 2 finetune + 2 evaluate jobs (none, kind-en) x tinytopic x seed 1."""
    settings = {
        "conditions": {"none": [], "kind-en": ["tinykind:en"]},
        "targets": {"tinytopic": {}},
        "intermediate": SMALL,
        "finetune": SMALL,
        "task_modules": ["tests.support.tiny"],
        **overrides,
    }
    folder.mkdir(parents=True, exist_ok=True)
    return write_experiment(folder / f"{name}.yaml", world, name, **settings)


def config_scores(config) -> list[tuple]:
    from xstilts.pipeline.store import ResultsStore

    return score_tuples(ResultsStore(config.store_path).scores_frame(config.name))


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture()
def cli(capsys, monkeypatch):
    """Run ``xstilts ARGS`` through the real entry point (errors become one line, exit codes)."""
    from xstilts.cli.main import main

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["xstilts", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    monkeypatch.setenv("COLUMNS", "250")
    return invoke
