"""``xstilts verify`` and ``xstilts store rebuild``: is every number still the one that was computed?"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
store_app = typer.Typer(help="Maintain an experiment's results store.", no_args_is_help=True)

SetOption = typer.Option(None, "--set", help="Override a config field (as given to `xstilts run`).")


def verify(
    experiment: Path = typer.Argument(..., help="Experiment YAML."),
    overrides: list[str] = SetOption,
    repair: bool = typer.Option(
        False, "--repair", help="Move corrupt artifacts aside, so that the next run rebuilds them."
    ),
) -> None:
    """Hash every file of every finished artifact and compare the store with the artifacts.

    Exit code 1 when anything is corrupt or the store differs from the artifacts.

    Examples:

      xstilts verify examples/demo.yaml

      xstilts verify examples/demo.yaml --repair
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.maintenance import verify as verify_artifacts

    config = load_experiment(experiment, overrides)
    checks = verify_artifacts(config, repair=repair)
    table = Table(title=f"{config.name}: artifacts")
    for column in ("status", "kind", "job", "detail"):
        table.add_column(column, overflow="fold")
    colours = {"ok": "green", "missing": "yellow", "corrupt": "red", "store-differs": "red"}
    for check in checks:
        table.add_row(f"[{colours[check.status]}]{check.status}[/]", check.kind, check.label, check.detail)
    console.print(table)
    bad = [c for c in checks if c.status in ("corrupt", "store-differs")]
    counts = {status: sum(c.status == status for c in checks) for status in colours}
    console.print(", ".join(f"{n} {status}" for status, n in counts.items() if n), highlight=False)
    if bad:
        fix = "rerun `xstilts run` to rebuild them" if repair else "rerun with --repair, then `xstilts run`"
        console.print(f"[red]{len(bad)} problem(s)[/]: {fix}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@store_app.command("rebuild")
def rebuild(
    experiment: Path = typer.Argument(..., help="Experiment YAML."),
    overrides: list[str] = SetOption,
) -> None:
    """Re-read every finished job's scores from its artifact into the store.

    A store that cannot be read (corrupt, truncated) is moved aside first. Lost in that case:
    the run history and the rows of other configs (rebuild those with their own --set).

    Example:

      xstilts store rebuild examples/demo.yaml
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.maintenance import rebuild_store

    config = load_experiment(experiment, overrides)
    summary = rebuild_store(config)
    if summary.moved_aside is not None:
        console.print(f"the unreadable store was moved aside to {summary.moved_aside}", soft_wrap=True)
    console.print(
        f"re-recorded {sum(summary.recorded.values())} job(s) ({summary.recorded}) into {summary.store}; "
        f"{len(summary.skipped)} job(s) have no finished artifact (run them with `xstilts run`)",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
    app.add_typer(store_app, name="store")
