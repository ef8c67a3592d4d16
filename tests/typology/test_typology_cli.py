"""``xstilts distance``: the pair table, matrices with heatmaps, and one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from xstilts.cli.main import app, main
from xstilts.errors import ConfigError, UnknownNameError
from xstilts.typology import DISTANCE_KINDS, MEASURE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


def test_pair_prints_all_six_distances() -> None:
    result = runner.invoke(app, ["distance", "eng", "jpn"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for kind in DISTANCE_KINDS:
        assert kind in result.output
    assert "0.500" in result.output and "0.144" in result.output and MEASURE in result.output


def test_pair_shows_missing_with_its_reason() -> None:
    result = runner.invoke(app, ["distance", "en", "eu"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "missing (URIEL classifies 'eus' in no family" in result.output


def test_matrix_writes_csvs_and_clustered_heatmaps(tmp_path: Path) -> None:
    out = tmp_path / "matrices"
    result = runner.invoke(
        app, ["distance", "--matrix", "--languages", "en,de,ja,fi,eu", "--out", str(out)], terminal_width=400
    )
    assert result.exit_code == 0, result.output
    for kind in DISTANCE_KINDS:
        csv_path, png_path = out / f"{kind}_distance.csv", out / f"{kind}_distance.png"
        assert str(csv_path) in result.output and str(png_path) in result.output
        assert png_path.read_bytes()[:8] == PNG_SIGNATURE
        frame = pd.read_csv(csv_path, index_col="language")
        assert list(frame.index) == ["en", "de", "ja", "fi", "eu"] == list(frame.columns)
    genetic = pd.read_csv(out / "genetic_distance.csv", index_col="language")
    assert pd.isna(genetic.loc["eu", "en"]) and genetic.loc["en", "de"] < genetic.loc["en", "ja"]


def test_matrix_single_kind(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["distance", "--matrix", "--languages", "en,de,fr", "--out", str(tmp_path), "--kind", "syntactic"],
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "syntactic_distance.csv",
        "syntactic_distance.png",
    ]


def test_bad_usage_raises_xstilts_errors(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["distance", "en", "qqq"])
    assert isinstance(unknown.exception, UnknownNameError)
    wrong_count = runner.invoke(app, ["distance", "en"])
    assert isinstance(wrong_count.exception, ConfigError)
    no_out = runner.invoke(app, ["distance", "--matrix", "--languages", "en,de"])
    assert isinstance(no_out.exception, ConfigError)
    bad_kind = runner.invoke(
        app, ["distance", "--matrix", "--languages", "en,de", "--out", str(tmp_path), "--kind", "x"]
    )
    assert bad_kind.exit_code == 2  # --kind is an enum now (issue 18): a usage error listing the kinds
    assert "'x' is not one of" in bad_kind.output and "genetic" in bad_kind.output


def test_root_cli_prints_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["xstilts", "distance", "en", "qqq"])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(error_lines) == 1 and "unknown URIEL language 'qqq'" in error_lines[0]
