"""``xstilts run`` / ``status`` / ``results``: plan, skip what is done, run the rest, record.

A rerun after a crash or ``kill -9`` re-plans the same content-hashed jobs, finds the finished
ones complete (and sound: sizes and hashes match) on disk and in the store, and runs only what is
missing. At start it also tidies what killed processes left (temporary folders, claims, run and
job rows still marked ``running``), but only what is provably dead; ``--dry-run`` writes nothing.
SIGTERM is handled like Ctrl-C: the run row is marked ``interrupted`` and the user is told how
to resume.
"""

from __future__ import annotations

import io
import shutil
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xstilts.paths import cache_dir
from xstilts.pipeline.cache import ArtifactCache
from xstilts.pipeline.config import ExperimentConfig
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.fingerprint import code_version
from xstilts.pipeline.jobs import is_done
from xstilts.pipeline.lease import HEARTBEAT_S, Owner, dead_tempdirs
from xstilts.pipeline.planner import Plan, build_plan
from xstilts.pipeline.store import ResultsStore
from xstilts.training.precision import choose_runtime


class RunInterrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT) stopped a run; finished jobs are kept."""

    def __init__(self, signal_name: str, resume: str = "") -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.resume = resume


@dataclass
class RunSummary:
    run_id: str
    planned: Counter
    executed: Counter
    wall_s: float
    store_path: Path
    skipped: int = 0  # finished before this run, or by another process during it
    notes: list[str] = field(default_factory=list)


def prepare(config: ExperimentConfig, *, write: bool = True) -> tuple[Plan, RunContext]:
    """Plan the config and open its cache and store; ``write=False`` creates nothing on disk."""
    import datasets

    datasets.disable_progress_bars()
    runtime = choose_runtime(config.runtime.precision, config.runtime.device, config.runtime.threads)
    plan = build_plan(config, runtime.precision)
    ctx = RunContext(
        config=config,
        cache=ArtifactCache(config.resolved_artifact_dir, create=write),
        store=ResultsStore(
            config.store_path, readonly=not write, rebuild_hint=config.command("store rebuild")
        ),
        runtime=runtime,
        config_hash=config.config_hash(),
        code_version=code_version(),
        feature_cache=cache_dir(),
    )
    return plan, ctx


def check_artifacts(plan: Plan, ctx: RunContext, *, repair: bool, full: bool = False) -> list[str]:
    """One line per finished artifact of the plan that is corrupt; ``repair`` moves it aside.

    A moved-aside artifact is incomplete from then on, so the run rebuilds it (its children keep
    their keys: the same inputs give the same key).
    """
    problems = []
    for job in plan.jobs.values():
        if not ctx.cache.is_complete(job.kind, job.key):
            continue
        problem = ctx.cache.check(job.kind, job.key, full=full)
        if problem is None:
            continue
        if repair:
            aside = ctx.cache.quarantine(job.kind, job.key)
            problem += f"; moved aside to {aside.name if aside else '(already moved)'}, it is rebuilt"
        problems.append(f"corrupt {job.kind} artifact: {problem}")
    return problems


def tidy_after_kills(ctx: RunContext) -> list[str]:
    """Remove what provably dead processes left; mark their run and job rows interrupted."""
    notes = []
    removed = ctx.cache.clean_stale()
    if removed:
        notes.append(f"removed {removed} unfinished artifact folder(s)/claim(s) of processes that are gone")
    features = dead_tempdirs(ctx.feature_cache / "features") if ctx.feature_cache else []
    for folder in features:
        shutil.rmtree(folder, ignore_errors=True)
    if features:
        notes.append(f"removed {len(features)} unfinished feature-cache folder(s) of processes that are gone")
    runs, jobs = ctx.store.reconcile(
        lambda owner, beat: Owner.from_dict({**owner, "heartbeat": beat or 0.0}).is_dead()
    )
    if runs:
        notes.append(
            f"marked {len(runs)} run(s) whose process is gone as interrupted ({', '.join(runs)}); "
            f"{jobs} job row(s) they left running were reconciled"
        )
    return notes


@contextmanager
def _signals_as_interrupts(resume: str) -> Iterator[None]:
    """SIGTERM (and SIGINT) raise :class:`RunInterrupted` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise RunInterrupted(signal.Signals(signum).name, resume)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _run_heartbeat(store: ResultsStore, run_id: str, interval_s: float = HEARTBEAT_S) -> Iterator[None]:
    """Keep the run row's heartbeat fresh, so other hosts never take this live run for dead."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval_s):
            with suppress(Exception):  # a failing heartbeat must not kill the run
                store.beat(run_id)

    thread = threading.Thread(target=beat, name="xstilts-run-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def plan_table(plan: Plan, ctx: RunContext, title: str) -> Table:
    table = Table(title=title)
    for column in ("kind", "planned", "done", "pending"):
        table.add_column(column, justify="right" if column != "kind" else "left")
    for kind in ("intermediate", "finetune", "evaluate"):
        jobs = plan.by_kind(kind)
        done = sum(is_done(job, ctx) for job in jobs)
        table.add_row(kind, str(len(jobs)), str(done), str(len(jobs) - done))
    return table


def jobs_table(plan: Plan, ctx: RunContext) -> Table:
    table = Table(title="jobs")
    for column in ("status", "kind", "job", "key"):
        table.add_column(column)
    for job in plan.jobs.values():
        done = is_done(job, ctx)
        table.add_row("[green]done[/]" if done else "[yellow]pending[/]", job.kind, job.label, job.key[:12])
    return table


def run_experiment(
    config: ExperimentConfig,
    *,
    executor: str = "local",
    dry_run: bool = False,
    console: Console | None = None,
    ray_address: str | None = None,
    cpus_per_job: int = 1,
    gpus_per_job: float = 0,
) -> RunSummary:
    """Run (or resume) the grid; with ``dry_run`` print the plan and change nothing on disk."""
    from xstilts.training.precision import process_state

    state = process_state()  # several processes under `accelerate launch`: only the main one reports
    console = console or Console()
    if not state.is_main_process:
        console = Console(file=io.StringIO())
    start = time.perf_counter()
    notes: list[str] = []
    if state.is_main_process:  # creates the store and cache folders before the other ranks look
        plan, ctx = prepare(config, write=not dry_run)
        if not dry_run:
            notes += tidy_after_kills(ctx)
        notes += check_artifacts(plan, ctx, repair=not dry_run)
    state.wait_for_everyone()
    if not state.is_main_process:
        plan, ctx = prepare(config)
    _print_header(config, ctx, console, notes)
    console.print(plan_table(plan, ctx, "plan"))
    planned = Counter(job.kind for job in plan.jobs.values())
    todo = [job for job in plan.jobs.values() if not is_done(job, ctx)]
    if dry_run:
        console.print(jobs_table(plan, ctx))
        return RunSummary("", planned, Counter(), time.perf_counter() - start, config.store_path, notes=notes)
    if state.is_main_process:
        ctx.run_id = ctx.store.start_run(
            config.name,
            ctx.config_hash,
            ctx.code_version,
            config.model_dump(mode="json"),
            socket.gethostname(),
            owner=Owner.me().as_dict(),
        )
    executed: Counter = Counter()
    status = "failed"
    resume = config.command("run")
    try:
        with _signals_as_interrupts(resume), _run_heartbeat(ctx.store, ctx.run_id):
            _execute(todo, ctx, console, executed, executor, ray_address, cpus_per_job, gpus_per_job)
        status = "done"
    except KeyboardInterrupt as stop:
        status = "interrupted"
        name = getattr(stop, "signal_name", "SIGINT")
        finished = len(plan.jobs) - len(todo) + sum(executed.values())
        console.print(
            f"[yellow]interrupted ({name})[/]: {finished} of {len(plan.jobs)} jobs are finished and kept; "
            f"resume with: {resume}",
            highlight=False,
            soft_wrap=True,
        )
        raise RunInterrupted(name, resume) from None
    finally:
        if state.is_main_process:
            _finish_run(ctx, status)
    wall = time.perf_counter() - start
    skipped = len(plan.jobs) - sum(executed.values())
    console.print(
        f"finished in {wall:.0f} s: ran {dict(executed)}; skipped {skipped} finished job(s). "
        f"Scores: {config.store_path}"
    )
    return RunSummary(ctx.run_id, planned, executed, wall, config.store_path, skipped, notes)


def _print_header(config: ExperimentConfig, ctx: RunContext, console: Console, notes: list[str]) -> None:
    console.print(
        f"[bold]{config.name}[/]: {len(config.models)} model(s) x {len(config.conditions)} condition(s) x "
        f"{len(config.targets)} target(s) x {len(config.seeds)} seed(s); config {ctx.config_hash}"
    )
    console.print(
        f"runtime: {ctx.runtime.device}, {ctx.runtime.precision} ({ctx.runtime.reason}), "
        f"{ctx.runtime.threads} threads; artifacts in {ctx.cache.root}"
    )
    for note in notes:
        console.print(note, highlight=False, soft_wrap=True)


def _finish_run(ctx: RunContext, status: str) -> None:
    """Mark the run row; a store that cannot be written must not hide the run's own error."""
    from xstilts.errors import StoreError

    try:
        ctx.store.finish_run(ctx.run_id, status)
    except StoreError:
        if status == "done":
            raise


def _execute(todo, ctx, console, executed, executor, ray_address, cpus_per_job, gpus_per_job) -> None:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        overall = progress.add_task("jobs", total=len(todo), note="")
        current: dict[str, int] = {}
        labels = {job.key: job for job in todo}

        def on_progress(key: str, done: int, total: int, note: str) -> None:
            if key not in current:
                job = labels[key]
                current[key] = progress.add_task(f"  {job.kind}: {job.label}", total=total, note="")
            progress.update(current[key], completed=done, total=total, note=note)

        def on_done(job, built: bool) -> None:
            if built:
                executed[job.kind] += 1
            if job.key in current:
                progress.remove_task(current.pop(job.key))
            by = "" if built else " [dim](built by another run)[/]"
            progress.console.print(f"[green]✓[/] {job.kind}: {job.label}{by}")
            progress.advance(overall)

        ctx.on_progress = on_progress
        if executor == "ray":
            from xstilts.pipeline.executors import run_ray

            run_ray(
                todo, ctx, on_done, address=ray_address, cpus_per_job=cpus_per_job, gpus_per_job=gpus_per_job
            )
        else:
            from xstilts.pipeline.executors import run_local

            run_local(todo, ctx, on_done)
