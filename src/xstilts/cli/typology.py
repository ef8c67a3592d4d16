"""``xstilts distance``: URIEL distances between two languages, or matrices and heatmaps for many.

Heavy imports (pandas, matplotlib, scipy) happen inside the command so ``xstilts --help`` stays fast.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from xstilts.cli.choices import DistanceKind
from xstilts.errors import ConfigError, UnknownNameError

console = Console()


def _split_codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


def _print_pair(a: str, b: str, kind: str = "all") -> None:
    from xstilts.typology import DISTANCE_KINDS, MEASURE, distance_table

    row = distance_table([b], reference=a)
    reasons = {
        entry.split(":", 1)[0]: entry.split(":", 1)[1].strip() for entry in row.attrs["missing"].get(b, [])
    }
    table = Table(title=f"URIEL distances {a} - {b}")
    table.add_column("kind", overflow="fold")
    table.add_column("distance", justify="right", overflow="fold")
    for name in DISTANCE_KINDS if kind == "all" else [kind]:
        value = float(row.loc[b, name])
        shown = f"missing ({reasons.get(name, 'no data')})" if math.isnan(value) else f"{value:.3f}"
        table.add_row(name, shown)
    console.print(table)
    console.print(f"measure: {MEASURE}", highlight=False)


def _write_matrices(languages: list[str], kind: str, out: Path) -> None:
    from xstilts.typology import DISTANCE_KINDS
    from xstilts.typology.heatmap import write_matrices

    if kind == "all":
        kinds = list(DISTANCE_KINDS)
    elif kind in DISTANCE_KINDS:
        kinds = [kind]
    else:
        raise UnknownNameError("distance kind", kind, [*DISTANCE_KINDS, "all"])
    for path in write_matrices(languages, kinds, out):
        console.print(str(path), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``xstilts distance`` to the root app."""

    @app.command("distance")
    def distance_command(
        codes: list[str] = typer.Argument(
            None, help="Two language codes (ISO 639-1 or 639-3), e.g. eng jpn."
        ),
        matrix: bool = typer.Option(
            False, "--matrix", help="Write matrices (CSV) and clustered heatmaps (PNG)."
        ),
        languages: str = typer.Option(
            None, "--languages", help="Comma-separated codes for --matrix, e.g. en,de,ja."
        ),
        out: Path = typer.Option(None, "--out", help="Output folder for --matrix."),
        kind: DistanceKind = typer.Option(DistanceKind.all, "--kind", help="Distance kind to show or write."),
    ) -> None:
        """URIEL distances (syntactic, phonological, inventory, genetic, geographic, featural).

        Examples:

          xstilts distance eng jpn

          xstilts distance en fi --kind genetic

          xstilts distance --matrix --languages en,de,ja,fi --out distances
        """
        positional = list(codes or [])
        if not matrix:
            if len(positional) != 2 or languages:
                raise ConfigError(
                    "give exactly two language codes",
                    fix="xstilts distance eng jpn, or use --matrix --languages ...",
                )
            _print_pair(*positional, kind.value)
            return
        chosen = _split_codes(languages) if languages else positional
        if len(chosen) < 2:
            raise ConfigError("--matrix needs at least two languages", fix="--languages en,de,ja,fi")
        if out is None:
            raise ConfigError("--matrix needs an output folder", fix="--out DIR")
        _write_matrices(chosen, kind.value, out)
