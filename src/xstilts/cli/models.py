"""Placeholder while this command group is being built."""

import typer

app = typer.Typer(no_args_is_help=True)
