"""The ``xstilts`` command line (typer + rich)."""
