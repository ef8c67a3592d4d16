"""``xstilts``: the command-line entry point.

Sub-commands live in one module each; this file only wires them together and turns every
:class:`~xstilts.errors.XstiltsError` into one red line and exit code 2 (never a traceback for a
user's mistake).
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from xstilts import __version__
from xstilts.errors import XstiltsError, disk_error

app = typer.Typer(
    name="xstilts",
    help="Cross-lingual STILTs: intermediate-task training and zero-shot cross-lingual transfer.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)

# (module, sub-app attribute or None, name). A module exposes either `app` (a typer.Typer group)
# or `register(app)` that adds top-level commands.
_GROUPS = [
    ("xstilts.cli.models", "models"),
    ("xstilts.cli.tasks", "tasks"),
    ("xstilts.cli.data", "data"),
]
_COMMAND_MODULES = [
    "xstilts.cli.experiment",
    "xstilts.cli.typology",
    "xstilts.cli.report",
    "xstilts.cli.store",
]


def _version(value: bool) -> None:
    if value:
        print(f"xstilts {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Cross-lingual STILTs."""


for _module, _name in _GROUPS:
    app.add_typer(importlib.import_module(_module).app, name=_name)
for _module in _COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Run the CLI; user errors become one line on stderr and exit code 2."""
    try:
        app()  # standalone mode: typer/click handle usage errors, --help and exit codes
    except XstiltsError as error:
        _fail(error)
    except OSError as error:  # read-only or full disk: one line with the path and what to do
        found = disk_error(error)
        if found is None:
            raise
        _fail(found)
    except KeyboardInterrupt as stop:  # the runner already said how to resume
        sys.exit(143 if getattr(stop, "signal_name", "") == "SIGTERM" else 130)


def _fail(error: XstiltsError) -> None:
    err_console.print(f"[bold red]error:[/] {error.one_line()}", highlight=False, soft_wrap=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
