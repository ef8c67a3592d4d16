"""Tables that never cut a value: columns fold long words instead of ending them with "…".

Rich's default overflow is an ellipsis, which on an 80-column terminal hides model names,
verdicts and paths; every table the CLI prints is built here with ``overflow="fold"``, and a
table too wide to fold legibly is printed as one record per row instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

MIN_CELL = 14  # below this many columns per cell, a record per row reads better than a table


def folding_table(title: str | None, columns: Sequence[str], *, right: Sequence[str] = (), **kwargs) -> Table:
    """A table whose cells wrap or fold, never truncate; ``right`` columns are right-aligned."""
    table = Table(title=title, **kwargs)
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column in right else "left")
    return table


def print_rows(console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A folding table when it fits, else one ``field: value`` record per row (nothing is cut)."""
    if console.width // max(1, len(columns)) >= MIN_CELL:
        table = folding_table(title, columns)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    console.rule(title)
    for row in rows:
        record = Table.grid(padding=(0, 1))
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for column, value in zip(columns, row, strict=True):
            record.add_row(f"{column}:", value)
        console.print(record)
        console.print()
