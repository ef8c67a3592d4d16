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
    # XTREME files, originals (x-final; XNLI-1.0's languages read from its rows) and exports together
    assert cells(result.output, "pawsx")[-1] == "7: de en es fr ja ko zh"
    assert cells(result.output, "xnli")[-1] == "8: ar de en fr hi ru sw zh"
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


def test_check_counts_examples_per_layout(runner: CliRunner) -> None:
    result = runner.invoke(app, ["tasks", "check", "panx", "--data-dir", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    assert "panx: examples per layout read" in result.output
    assert cells(result.output, "panx_dataset/{lang}-test") == ["panx_dataset/{lang}-test", "test", "1", "2"]
    assert cells(result.output, "panx/test-{lang}.jsonl") == ["panx/test-{lang}.jsonl", "test", "1", "2"]


def test_check_bucc_checks_the_gold_files(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["tasks", "check", "bucc2018", "--data-dir", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    assert cells(result.output, "de") == ["de", "6 (2 gold)", "6 (2 gold)"]
    assert cells(result.output, "zh") == ["zh", "4 (2 gold)", "5 (no gold)"]  # XTREME deleted the test gold
    shutil.copytree(FIXTURES / "bucc2018", tmp_path / "bucc2018")
    shutil.rmtree(tmp_path / "bucc2018/de-en")  # nothing left for de test gold either
    (tmp_path / "bucc2018/zh-en.dev.gold").write_text("zh-000000001\ten-000000099\n", encoding="utf-8")
    broken = runner.invoke(app, ["tasks", "check", "bucc2018", "--data-dir", str(tmp_path)])
    assert broken.exit_code == 1
    errors = [line for line in broken.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, broken.output
    assert "names 'en-000000099', which is not a sentence of the corpus" in errors[0]  # dev zh
    notes = [line for line in broken.output.splitlines() if line.startswith("note: bucc2018 test de")]
    assert "predict-only, " in notes[0] and "no BUCC gold pairs for de-en test" in notes[0]
    assert "bucc2018-de-en.training-gold.tar.bz2" in notes[0] and "top folder is bucc2018/" in notes[0]
    assert cells(broken.output, "de") == ["de", "6 (2 gold)", "6 (no gold)"]
