"""``build_gettext`` as a CLI command, on a small typer app that registers it like the main CLI does."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xstilts.cli.data_gettext import build_gettext
from xstilts.errors import MissingResourceError

pytestmark = pytest.mark.usefixtures("small_thresholds")


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test group."""

    app.command("gettext")(build_gettext)
    return app


def test_cli_builds_reports_and_is_idempotent(
    locale_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XSTILTS_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    first = runner.invoke(_app(), ["gettext", "--locale-dir", str(locale_dir)], terminal_width=200)
    assert first.exit_code == 0, first.output
    out = " ".join(first.output.split())
    assert "msgdomain class balance" in out and "msgkind label balance" in out
    assert "skipped catalog:" in out and "apt.mo" in out and "git.mo" in out
    assert "missing domain: postgres (database): apt install postgresql" in out
    assert "built" in out and str(tmp_path / "home" / "data" / "gettext" / "v1") in out
    assert (tmp_path / "home" / "data" / "gettext" / "v1" / "manifest.json").is_file()

    second = runner.invoke(_app(), ["gettext", "--locale-dir", str(locale_dir)], terminal_width=200)
    assert second.exit_code == 0 and "up to date" in second.output and "nothing to do" in second.output
    forced = runner.invoke(
        _app(), ["gettext", "--locale-dir", str(locale_dir), "--force"], terminal_width=200
    )
    assert forced.exit_code == 0 and "built" in forced.output


def test_cli_missing_locale_dir_raises_the_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["gettext", "--locale-dir", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert isinstance(result.exception, MissingResourceError)
    assert "locale directory not found" in str(result.exception)


def test_kinds_agreement_prints_per_kind_scores_batches_and_the_agreement() -> None:
    from xstilts.cli.main import app
    from xstilts.data.gettext.validation import agreement, read_gold

    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["data", "kinds-agreement", "--show", "2"])
    assert result.exit_code == 0, result.output
    expected = agreement(read_gold())
    assert f"agreement: {expected.agreement:.1%}" in result.output
    assert f"vs {expected.n} hand-labelled messages" in result.output
    assert "blind test of" in result.output and "precision" in result.output
    first = expected.disagreements.iloc[0]
    assert first["text"][:40] in result.output  # --show lists disagreements
