"""``xstilts tasks list`` and ``xstilts tasks check`` through the real CLI app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xstilts.cli.main import app
from xstilts.tasks import all_tasks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"


def cells(output: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first``."""
    for line in output.splitlines():
        parts = [part.strip() for part in line.split("│")[1:-1]]
        if parts and parts[0] == first:
            return parts
    raise AssertionError(f"no row {first!r} in:\n{output}")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "220"})


def test_list_shows_every_registered_task_with_languages_found(runner: CliRunner) -> None:
    result = runner.invoke(app, ["tasks", "list", "--data-dir", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    for name in all_tasks():
        assert f"│ {name} " in result.output, name
    assert "6: ar de en hi ru zh" in result.output  # xnli, release files and exports together
    assert "3: de ru zh" in result.output  # bucc2018


def test_list_without_data_dir_shows_a_dash(runner: CliRunner) -> None:
    result = runner.invoke(app, ["tasks", "list"])
    assert result.exit_code == 0, result.output
    assert cells(result.output, "xnli") == ["xnli", "pair_classification", "target", "accuracy", "15", "-"]


def test_check_counts_examples_per_split_and_language(runner: CliRunner) -> None:
    result = runner.invoke(app, ["tasks", "check", "udpos", "--data-dir", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    assert "udpos: 6 file(s) read, all valid" in result.output
    assert cells(result.output, "de") == ["de", "-", "-", "2"]  # from the UD CoNLL-U treebank
    assert cells(result.output, "en") == ["en", "2", "1", "-"]


def test_check_reports_a_malformed_file_and_goes_on(runner: CliRunner, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "xnli", tmp_path / "xnli")
    (tmp_path / "xnli/dev-zh.tsv").write_text(
        "他说。\t他没说。\tneutral\n他说。\t他没说。\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["tasks", "check", "xnli", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    error_lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1
    assert "dev-zh.tsv:2: expected 3 tab-separated columns, found 2" in error_lines[0]
    assert "(fix: " in error_lines[0]
    assert cells(result.output, "ar") == ["ar", "-", "3", "-"]  # the other files were still read
    assert cells(result.output, "zh") == ["zh", "-", "error", "-"]


def test_check_errors(runner: CliRunner, tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["tasks", "check", "xnlii", "--data-dir", str(FIXTURES)])
    assert unknown.exit_code == 2 and "did you mean 'xnli'" in unknown.output
    no_root = runner.invoke(app, ["tasks", "check", "xnli"])
    assert no_root.exit_code == 2 and "--data-dir" in no_root.output
    empty = runner.invoke(app, ["tasks", "check", "xnli", "--data-dir", str(tmp_path)])
    assert empty.exit_code == 1 and "no xnli files under" in empty.output
