"""CLI conventions: -h everywhere, enum choices, exit codes 0/1/2, runnable help examples, no cut tables."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xstilts.cli.main import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _commands(group=None, path=()):
    """Every command path of the CLI, groups included (e.g. ("export", "model"))."""
    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


COMMANDS = list(_commands())
LEAVES = [(path, command) for path, command in COMMANDS if not hasattr(command, "commands")]


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS] + [()], ids=lambda p: " ".join(p) or "xstilts")
def test_dash_h_shows_help_everywhere(path):
    result = runner.invoke(app, [*path, "-h"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def _examples(help_text: str) -> list[str]:
    return [line.strip() for line in help_text.splitlines() if line.strip().startswith("xstilts ")]


@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=" ".join)
def test_every_command_has_examples_naming_real_commands_and_files(path):
    command = dict(LEAVES)[path]
    examples = _examples(command.help or "")
    assert examples, f"`xstilts {' '.join(path)}` has no example in its help"
    for example in examples:
        words = shlex.split(example)[1:]
        assert tuple(words[: len(path)]) == path, example  # the example runs this very command
        for word in words:
            if re.search(r"\.ya?ml$", word):
                assert (REPO / word).is_file(), f"{example}: {word} does not exist"


def test_cheap_examples_run_as_written(monkeypatch):
    monkeypatch.chdir(REPO)
    for example in ("xstilts models list", "xstilts tasks list"):
        result = runner.invoke(app, shlex.split(example)[1:])
        assert result.exit_code == 0, (example, result.output)


@pytest.mark.parametrize(
    ("args", "values"),
    [
        (["distance", "en", "de", "--kind", "foo"], "syntactic"),
        (["run", "examples/demo.yaml", "--executor", "foo"], "local"),
        (["report", "examples/demo.yaml", "--cluster", "foo"], "family"),
    ],
)
def test_enum_options_list_their_values_and_reject_others_with_exit_2(args, values, monkeypatch):
    monkeypatch.chdir(REPO)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "foo" in result.output and values in result.output
    option = args[-2]
    help_text = runner.invoke(app, [args[0], "-h"], terminal_width=200).output
    assert re.search(re.escape(option) + r".*" + values, help_text), help_text


def test_input_errors_exit_2_with_one_line_and_no_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-m", "xstilts", "run", str(tmp_path / "missing.yaml")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "experiment file not found" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_failed_run_exits_1_and_says_so(monkeypatch):
    def broken_run(*_args, **_kwargs):
        raise RuntimeError("job exploded")

    monkeypatch.setattr("xstilts.pipeline.runner.run_experiment", broken_run)
    result = runner.invoke(app, ["run", str(REPO / "examples" / "demo.yaml")])
    assert result.exit_code == 1
    assert "failed: RuntimeError: job exploded" in result.output
    assert runner.invoke(app, ["run", "--no-such-option"]).exit_code == 2


def test_models_list_at_80_columns_cuts_nothing():
    from xstilts.models.registry import REGISTRY

    result = runner.invoke(app, ["models", "list"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.output
    for entry in REGISTRY.values():
        assert entry.name in result.output and entry.licence.split()[0] in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_distance_kinds_match_the_typology_package():
    from xstilts.cli.choices import DistanceKind
    from xstilts.typology import DISTANCE_KINDS

    assert [kind.value for kind in DistanceKind] == [*DISTANCE_KINDS, "all"]


def test_paths_in_an_experiment_file_are_relative_to_that_file(tmp_path, monkeypatch):
    from xstilts.pipeline.config import load_experiment

    folder = tmp_path / "project"
    folder.mkdir()
    text = """name: where
models: [m]
seeds: [1]
conditions: {none: []}
targets: {msgdomain: {}}
"""
    (folder / "default.yaml").write_text(text)
    (folder / "explicit.yaml").write_text(
        text + "output_dir: out\ndata_dir: ../data\ntracking: {mlflow: {uri: 'sqlite:///mlflow.db'}}\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    default = load_experiment(Path("../project/default.yaml"))
    assert default.store_path == folder / "runs" / "where" / "results.sqlite"
    explicit = load_experiment(folder / "explicit.yaml")
    assert explicit.resolved_output_dir == folder / "out"
    assert explicit.data_dir == tmp_path / "data"
    assert explicit.tracking.mlflow.uri == f"sqlite:///{folder / 'mlflow.db'}"
    # a path given on the command line is the user's, relative to where they are
    overridden = load_experiment(folder / "explicit.yaml", ["output_dir=here"])
    assert overridden.resolved_output_dir == elsewhere / "here"


def test_every_cli_table_column_folds_instead_of_cutting():
    """Rich's default overflow is an ellipsis; every column the CLI declares must fold (or never wrap)."""
    import ast

    offenders = []
    for path in sorted((REPO / "src" / "xstilts" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_column":
                keywords = {k.arg for k in node.keywords}
                if not keywords & {"overflow", "no_wrap"}:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
