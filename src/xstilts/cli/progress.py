"""Draw progress events (xstilts.events) with rich: plan tables, per-job bars, the closing summary.

The pipeline and the dataset builders only emit events; this is the one place that turns them
into a screen. Each job gets a bar with its steps (or languages), rate, ETA and, for training,
the loss once it has been read; a run ends with what ran, what was reused, what failed, the wall
time and where the store and report are.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from xstilts.cli.tables import folding_table
from xstilts.events import (
    DatasetProgress,
    Event,
    JobFinished,
    JobProgress,
    JobRow,
    JobStarted,
    PlanRow,
    RunFinished,
    RunStarted,
)


class RateColumn(ProgressColumn):
    """Items per second of a task (steps/s, languages/s), once rich has measured a speed."""

    def render(self, task) -> Text:
        unit = task.fields.get("unit", "it")
        if task.speed is None:
            return Text(f"- {unit}/s", style="progress.data.speed")
        return Text(f"{task.speed:.2f} {unit}/s", style="progress.data.speed")


def plan_table(rows: list[PlanRow], title: str) -> Table:
    table = folding_table(title, ("kind", "planned", "done", "pending"), right=("planned", "done", "pending"))
    for row in rows:
        table.add_row(row.kind, str(row.planned), str(row.done), str(row.planned - row.done))
    return table


def jobs_table(rows: list[JobRow]) -> Table:
    table = folding_table("jobs", ("status", "kind", "job", "key"))
    for row in rows:
        state = "[green]done[/]" if row.done else "[yellow]pending[/]"
        table.add_row(state, row.kind, escape(row.label), row.key[:12])
    return table


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(compact=True),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


class RichRunView:
    """An event sink that draws a run; use as a context manager around ``run_experiment``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = _progress(console)
        self.overall: TaskID | None = None
        self.jobs: dict[str, TaskID] = {}
        self.labels: dict[str, str] = {}

    def __enter__(self) -> RichRunView:
        self.progress.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.progress.stop()

    def __call__(self, event: Event) -> None:
        handler = {
            RunStarted: self._run_started,
            JobStarted: self._job_started,
            JobProgress: self._job_progress,
            JobFinished: self._job_finished,
            RunFinished: self._run_finished,
        }.get(type(event))
        if handler is not None:
            handler(event)

    def _print(self, *renderables, **kwargs) -> None:
        self.progress.console.print(*renderables, highlight=False, soft_wrap=True, **kwargs)

    def _run_started(self, event: RunStarted) -> None:
        self._print(f"[bold]{escape(event.experiment)}[/]: {event.grid}; config {event.config_hash}")
        self._print(f"runtime: {event.runtime}; artifacts in {event.artifacts}")
        for note in event.notes:
            self._print(escape(note))
        self._print(plan_table(event.plan, "plan"))
        if event.jobs:
            self._print(jobs_table(event.jobs))
            return
        pending = sum(row.planned - row.done for row in event.plan)
        self.overall = self.progress.add_task("jobs", total=pending, note="", unit="jobs")

    def _job_started(self, event: JobStarted) -> None:
        self.labels[event.key] = f"  {event.kind}: {escape(event.label)}"
        self.jobs[event.key] = self.progress.add_task(
            self.labels[event.key], total=None, note="starting", unit="steps"
        )

    def _job_progress(self, event: JobProgress) -> None:
        if event.key not in self.jobs:  # a worker that did not announce the start (e.g. Ray)
            self._job_started(JobStarted(event.key, "job", event.key[:12]))
        note = f"loss {event.loss:.3f}" if event.loss is not None else escape(event.note)
        self.progress.update(
            self.jobs[event.key], completed=event.done, total=event.total, note=note, unit=event.unit
        )

    def _job_finished(self, event: JobFinished) -> None:
        if event.key in self.jobs:
            self.progress.remove_task(self.jobs.pop(event.key))
        by = "" if event.built else " [dim](built by another run)[/]"
        self._print(f"[green]✓[/] {event.kind}: {escape(event.label)}{by}")
        if self.overall is not None:
            self.progress.advance(self.overall)

    def _run_finished(self, event: RunFinished) -> None:
        for task in self.jobs.values():
            self.progress.remove_task(task)
        self.jobs.clear()
        if self.overall is not None:  # the summary below says it all, and stays the last line
            self.progress.remove_task(self.overall)
            self.overall = None
        print_summary(self.progress.console, event)


def print_summary(console: Console, event: RunFinished) -> None:
    """The closing lines of a run: counts, wall time, where the results are."""
    ran = sum(event.executed.values())
    kinds = ", ".join(f"{n} {kind}" for kind, n in event.executed.items() if n)
    color = {"done": "green", "failed": "red"}.get(event.status, "yellow")
    console.rule(f"[{color}]{event.experiment}: {event.status}[/]")
    if event.status == "dry-run":
        console.print(
            f"dry run: {event.pending} job(s) would run, {event.reused} already finished; nothing was trained",
            highlight=False,
        )
        return
    console.print(
        f"jobs run: {ran}{f' ({kinds})' if kinds else ''}; reused (already finished): {event.reused}; "
        f"failed: {event.failed}; wall time {event.wall_s:.0f} s",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"store:  {event.store_path}", highlight=False, soft_wrap=True)
    console.print(
        f"report: {event.report_dir} (xstilts report <experiment file>)", highlight=False, soft_wrap=True
    )
    if event.status == "failed":
        console.print("rerun the same command to resume: finished jobs are kept and skipped", highlight=False)
    if event.status == "interrupted":
        console.print(
            f"[yellow]interrupted ({event.stopped_by or 'SIGINT'})[/]: {event.finished} of {event.total} jobs are finished and kept; "
            f"resume with: {escape(event.resume)}",
            highlight=False,
            soft_wrap=True,
        )


class RichDatasetView:
    """An event sink for dataset builds: one bar per stage (catalogs read, files written)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(compact=True),
            TextColumn("{task.fields[note]}"),
            console=console,
            transient=True,
        )
        self.stages: dict[tuple[str, str], TaskID] = {}

    def __enter__(self) -> RichDatasetView:
        self.progress.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.progress.stop()

    def __call__(self, event: Event) -> None:
        if not isinstance(event, DatasetProgress):
            return
        key = (event.dataset, event.stage)
        if key not in self.stages:
            self.stages[key] = self.progress.add_task(
                f"{event.dataset}: {event.stage}", total=event.total, note=""
            )
        self.progress.update(
            self.stages[key], completed=event.done, total=event.total, note=escape(event.note)
        )
