"""``xstilts run | status | results | demo``: the experiment grid from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xstilts.cli.choices import Executor
from xstilts.cli.progress import RichRunView, jobs_table, plan_table
from xstilts.cli.tables import folding_table
from xstilts.errors import ConfigError

console = Console()

SetOption = typer.Option(
    None, "--set", help="Override a config field: --set finetune.max_steps=50 (repeatable)."
)


def run(
    experiment: Path = typer.Argument(..., help="Experiment YAML."),
    overrides: list[str] = SetOption,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan (job counts, done/pending) and stop."
    ),
    executor: Executor = typer.Option(
        Executor.local, "--executor", help="local: jobs in this process; ray: Ray tasks (see --ray-address)."
    ),
    ray_address: str = typer.Option(None, "--ray-address", help="Connect to an existing Ray cluster."),
    cpus_per_job: int = typer.Option(1, "--cpus-per-job", help="Ray: CPU slots (and torch threads) per job."),
    gpus_per_job: float = typer.Option(0, "--gpus-per-job", help="Ray: GPUs per job."),
) -> None:
    """Run (or resume) an experiment grid; finished jobs are never redone.

    Examples:

      xstilts run examples/demo.yaml

      xstilts run examples/demo.yaml --set finetune.max_steps=50 --set finetune.learning_rate=2e-5,5e-5

      xstilts run examples/demo.yaml --executor ray --cpus-per-job 2
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.runner import RunInterrupted, run_experiment

    config = load_experiment(experiment, overrides)
    try:
        with RichRunView(console) as view:
            run_experiment(
                config,
                executor=executor.value,
                dry_run=dry_run,
                on_event=view,
                ray_address=ray_address,
                cpus_per_job=cpus_per_job,
                gpus_per_job=gpus_per_job,
            )
    except RunInterrupted as stop:  # the closing summary said what is kept and how to resume
        raise typer.Exit(143 if stop.signal_name == "SIGTERM" else 130) from None


def status(
    experiment: Path = typer.Argument(..., help="Experiment YAML."),
    overrides: list[str] = SetOption,
) -> None:
    """List the experiment's jobs: done or pending (reads only: works on read-only media).

    Example:

      xstilts status examples/demo.yaml
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.runner import job_rows, plan_rows, prepare

    config = load_experiment(experiment, overrides)
    plan, ctx = prepare(config, write=False)
    console.print(plan_table(plan_rows(plan, ctx), f"{config.name}: plan"))
    console.print(jobs_table(job_rows(plan, ctx)))


def results(
    experiment: Path = typer.Argument(..., help="Experiment YAML."),
    csv: Path = typer.Option(None, "--csv", help="Write every score (with provenance) to this CSV."),
    parquet: Path = typer.Option(None, "--parquet", help="Write every score to this Parquet file."),
    all_configs: bool = typer.Option(
        False, "--all-configs", help="Also show rows of other configs of this experiment (history)."
    ),
    overrides: list[str] = SetOption,
) -> None:
    """Print main scores (mean over seeds) per language x condition of THIS config; export CSV/Parquet.

    Only the scores of the given config's jobs are shown (rows of earlier --set variants stay in
    the store: --all-configs lists them, one table per config hash).

    Examples:

      xstilts results examples/demo.yaml

      xstilts results examples/demo.yaml --csv scores.csv
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.scope import config_history, scope_for
    from xstilts.pipeline.store import ResultsStore

    config = load_experiment(experiment, overrides)
    if not config.store_path.is_file():
        raise ConfigError("no results yet", file=config.store_path, fix=f"run: {config.command('run')}")
    store = ResultsStore(config.store_path, readonly=True, rebuild_hint=config.command("store rebuild"))
    every = store.scores_frame(config.name)
    if every.empty:
        raise ConfigError(f"the store has no scores for {config.name!r}", file=config.store_path)
    scope = scope_for(config)
    frame = scope.select(every)
    for line in scope.lines():
        console.print(f"[bold]{line}[/]" if line == scope.notice() else line, highlight=False, soft_wrap=True)
    if all_configs:
        console.print(_history_table(config_history(every, store.runs_frame(config.name)), scope.config_hash))
        frame = every
    elif frame.empty:
        raise ConfigError(
            f"no scores of this config ({scope.config_hash}) yet; the store holds {len(every)} rows of other configs",
            file=config.store_path,
            fix=f"run: {config.command('run')}, or show them with --all-configs",
        )
    _score_tables(frame, by_config=all_configs)
    if csv:
        frame.to_csv(csv, index=False)
        console.print(f"wrote {len(frame)} rows to {csv}")
    if parquet:
        frame.to_parquet(parquet, index=False)
        console.print(f"wrote {len(frame)} rows to {parquet}")


def _score_tables(frame, *, by_config: bool) -> None:
    """One table per model and target (and per config hash with ``by_config``): languages down,
    conditions across. A sweep point is its own model label, never averaged in."""
    import json

    main = frame[frame.is_main == 1]
    if by_config:
        main = main.assign(config=main.provenance_json.map(lambda t: json.loads(t).get("config_hash", "?")))
    groups = ["model", "target_task", "config"] if by_config else ["model", "target_task"]
    for keys, rows in main.groupby(groups):
        suffix = f", config {keys[2]}" if by_config else ""
        console.print(
            f"[bold]{escape(keys[0])} · {keys[1]}[/]: {escape(_key_label(rows.iloc[0]))} "
            f"(mean over {rows.seed.nunique()} seed(s){suffix})",
            highlight=False,
            soft_wrap=True,
        )
        pivot = rows.pivot_table(index="language", columns="condition", values="value", aggfunc="mean")
        pivot.loc["(mean)"] = pivot.mean(axis=0)
        table = folding_table(
            None, ["language", *map(str, pivot.columns)], right=list(map(str, pivot.columns))
        )
        for language, values in pivot.iterrows():
            table.add_row(str(language), *(f"{v:.1f}" for v in values))
        console.print(table)


def _key_label(row) -> str:
    """The stored score's metric and its qualifiers, as every table names them."""
    from xstilts.tasks.metrics.keys import MetricKey

    return MetricKey(row.metric, row.variant, row.direction, row.reference).label


def _history_table(history, current: str) -> Table:
    table = folding_table(
        "configs that wrote scores (oldest first)", ["config", "rows", "jobs", "runs", "last written"]
    )
    for row in history.itertuples():
        mark = " (this config)" if row.config_hash == current else ""
        runs = getattr(row, "runs", float("nan"))
        table.add_row(
            f"{row.config_hash}{mark}",
            str(row.rows),
            str(row.jobs),
            "?" if runs != runs else str(int(runs)),
            time.strftime("%Y-%m-%d %H:%M", time.localtime(row.last)),
        )
    return table


def demo(
    config: Path = typer.Option(None, "--config", help="Demo experiment (default: examples/demo.yaml)."),
    overrides: list[str] = SetOption,
) -> None:
    """Build the offline datasets, run the demo grid, write its report and print the answer.

    Examples:

      xstilts demo

      xstilts demo --set seeds=[1]
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.runner import run_experiment

    start = time.perf_counter()
    path = config or _default_demo()
    experiment = load_experiment(path, overrides)
    from xstilts.cli.data import build_all_for
    from xstilts.pipeline.runner import RunInterrupted

    build_all_for(experiment, console)
    try:
        with RichRunView(console) as view:
            run_experiment(experiment, on_event=view)
    except RunInterrupted as stop:  # the closing summary said what is kept and how to resume
        raise typer.Exit(143 if stop.signal_name == "SIGTERM" else 130) from None
    from xstilts.cli.report import write_report_for

    summary = write_report_for(experiment, console)
    console.rule("answer")
    console.print(summary.answer)
    console.print(f"\nreport: {summary.index_md}\n        {summary.index_html}")
    console.print(f"demo wall time: {time.perf_counter() - start:.0f} s")


def _default_demo() -> Path:
    here = Path("examples/demo.yaml")
    if here.is_file():
        return here
    repo = Path(__file__).resolve().parents[3] / "examples" / "demo.yaml"
    if repo.is_file():
        return repo
    raise ConfigError("examples/demo.yaml not found", fix="run from the repository root or pass --config")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("status")(status)
    app.command("results")(results)
    app.command("demo")(demo)
