"""``xstilts``: the command-line entry point.

Sub-commands live in one module each; this file only wires them together and sets the
conventions every command shares:

- ``-h`` and ``--help`` everywhere;
- exit codes: 0 success; 1 a run or check that started and failed (a job raised, a data check
  found bad files, parity below threshold); 2 a usage or input error (unknown option or choice,
  bad config, missing file or model: one red line naming it and the fix, never a traceback).
"""

from __future__ import annotations

import importlib
import sys
import traceback

import typer
from rich.console import Console
from typer.core import TyperGroup

from xstilts import __version__
from xstilts.errors import XstiltsError, disk_error

EXIT_FAILED = 1  # a run or check started and failed
EXIT_USAGE = 2  # usage or input error (click uses 2 for usage errors too)


class _ConventionsGroup(TyperGroup):
    """The root group: an unexpected exception in any sub-command is a failed run (exit 1).

    :class:`XstiltsError` passes through to :func:`main`, which prints its one line and exits 2
    (library callers and tests invoking the app still see the error object itself); so does a
    disk error (read-only, full, no permission), turned into one naming the path and the fix.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except XstiltsError:
            raise
        except OSError as error:  # a full or read-only disk is the user's to fix: one line, exit 2
            found = disk_error(error)
            if found is None:
                _report_failure(error)
            raise found from None
        except Exception as error:
            if type(error).__module__.startswith("typer"):  # Exit, Abort, usage errors: typer's own
                raise
            _report_failure(error)


def _report_failure(error: Exception) -> None:
    """A job or check failed: keep the traceback (for a bug report), end with one line, exit 1."""
    traceback.print_exc()
    err_console.print(
        f"[bold red]failed:[/] {type(error).__name__}: {error}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(EXIT_FAILED) from None


app = typer.Typer(
    cls=_ConventionsGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
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
    ("xstilts.cli.export", "export"),
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
    """Run the CLI; user errors become one line on stderr and exit code 2 (see the module docstring)."""
    try:
        app()  # standalone mode: typer/click handle usage errors, --help and exit codes
    except XstiltsError as error:  # a usage or input error, from any command
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
    sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
