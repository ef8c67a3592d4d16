"""``xstilts export``: stored predictions in XTREME's submission layout, or as one tidy table.

- ``xstilts export xtreme EXP.yaml --out DIR``: ``DIR/<model>/<condition>/seed-<seed>/`` are
  folders that google-research/xtreme's ``evaluate.py --prediction_folder`` reads;
- ``xstilts export predictions EXP.yaml --out FILE.jsonl|.parquet``: one row per example.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xstilts.cli.export_model import register_on
from xstilts.errors import XstiltsError

app = typer.Typer(
    no_args_is_help=True,
    help="Export results and models: XTREME layout, tidy predictions, Hugging Face folders.",
)

EXP_HELP = "The experiment config (its store and name say which results to export)."


def _fail(error: XstiltsError) -> typer.Exit:
    """A user error as one red line; the caller raises the returned exit (code 2, as main())."""
    Console(stderr=False).print(
        f"[bold red]error:[/] {escape(error.one_line())}", highlight=False, soft_wrap=True
    )
    return typer.Exit(2)


def _store_and_name(experiment_file: Path) -> tuple[Path, str, list[str]]:
    """The config's store, experiment name and evaluate jobs (only this config's rows are exported)."""
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.scope import scope_for

    config = load_experiment(experiment_file)
    scope = scope_for(config)
    return Path(config.store_path), str(config.name), scope.job_ids(config.store_path, config.name)


@app.command("xtreme")
def export_xtreme_command(
    experiment_file: Path = typer.Argument(..., help=EXP_HELP, exists=True, dir_okay=False),
    out: Path = typer.Option(
        ..., "--out", help="Folder to write the prediction folders into.", file_okay=False
    ),
) -> None:
    """Write predictions as google-research/xtreme evaluate.py --prediction_folder reads them.

    Examples:

      xstilts export xtreme examples/xtreme-xlmr-large.yaml --out submissions/
    """
    from xstilts.export.xtreme import export_xtreme

    try:
        store, name, job_ids = _store_and_name(experiment_file)
        written, skipped = export_xtreme(store, name, out, job_ids)
    except XstiltsError as error:
        raise _fail(error) from None
    console = Console()
    table = Table(title=escape(f"{name}: XTREME prediction files in {out}"))
    for column in ("prediction folder", "task", "languages", "lines", "note"):
        table.add_column(column, overflow="fold")
    groups: dict[tuple[Path, str], list] = {}
    for item in written:
        groups.setdefault((item.path.parent.parent, item.prediction_set.task), []).append(item)
    for (folder, task), items in sorted(groups.items()):
        notes = Counter("predict-only" if i.prediction_set.predict_only else "" for i in items)
        table.add_row(
            escape(str(folder.relative_to(out))),
            task,
            " ".join(i.prediction_set.language for i in items),
            str(sum(i.n_lines for i in items)),
            ", ".join(note for note in notes if note),
        )
    console.print(table)
    if skipped:
        console.print(escape(f"not XTREME tasks, not exported: {', '.join(skipped)}"), highlight=False)
    console.print(
        escape(f"{len(written)} file(s); score one folder with: python evaluate.py --prediction_folder "
               f"{out}/<model>/<condition>/seed-<seed> --label_folder <xtreme gold folder>"),
        highlight=False,
    )  # fmt: skip


@app.command("predictions")
def export_predictions_command(
    experiment_file: Path = typer.Argument(..., help=EXP_HELP, exists=True, dir_okay=False),
    out: Path = typer.Option(
        ..., "--out", help="Table to write: FILE.jsonl or FILE.parquet.", dir_okay=False
    ),
) -> None:
    """Write every stored prediction as one table: job, condition, seed, task, language, id, prediction, gold.

    Examples:

      xstilts export predictions examples/demo.yaml --out predictions.parquet

      xstilts export predictions examples/demo.yaml --out predictions.jsonl
    """
    from xstilts.export.predictions import export_predictions

    try:
        store, name, job_ids = _store_and_name(experiment_file)
        count = export_predictions(store, name, out, job_ids)
    except XstiltsError as error:
        raise _fail(error) from None
    Console().print(escape(f"{name}: {count} prediction rows written to {out}"), highlight=False)


register_on(app)
