"""``xstilts run`` / ``status`` / ``results``: plan, skip what is done, run the rest, record.

A rerun after a crash or ``kill -9`` re-plans the same content-hashed jobs, finds the finished
ones complete on disk and in the store, and runs only what is missing.
"""

from __future__ import annotations

import io
import socket
import time
from collections import Counter
from dataclasses import dataclass
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
from xstilts.pipeline.planner import Plan, build_plan
from xstilts.pipeline.store import ResultsStore
from xstilts.training.precision import choose_runtime


@dataclass
class RunSummary:
    run_id: str
    planned: Counter
    executed: Counter
    wall_s: float
    store_path: Path


def prepare(config: ExperimentConfig) -> tuple[Plan, RunContext]:
    import datasets

    datasets.disable_progress_bars()
    runtime = choose_runtime(config.runtime.precision, config.runtime.device, config.runtime.threads)
    plan = build_plan(config, runtime.precision)
    ctx = RunContext(
        config=config,
        cache=ArtifactCache(config.resolved_artifact_dir),
        store=ResultsStore(config.store_path),
        runtime=runtime,
        config_hash=config.config_hash(),
        code_version=code_version(),
        feature_cache=cache_dir(),
    )
    return plan, ctx


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
    from xstilts.training.precision import process_state

    state = process_state()  # several processes under `accelerate launch`: only the main one reports
    console = console or Console()
    if not state.is_main_process:
        console = Console(file=io.StringIO())
    start = time.perf_counter()
    removed = 0
    if state.is_main_process:  # creates the store and cache folders before the other ranks look
        plan, ctx = prepare(config)
        removed = ctx.cache.clean_stale()
    state.wait_for_everyone()
    if not state.is_main_process:
        plan, ctx = prepare(config)
    console.print(
        f"[bold]{config.name}[/]: {len(config.models)} model(s) x {len(config.conditions)} condition(s) x "
        f"{len(config.targets)} target(s) x {len(config.seeds)} seed(s)"
    )
    console.print(
        f"runtime: {ctx.runtime.device}, {ctx.runtime.precision} ({ctx.runtime.reason}), "
        f"{ctx.runtime.threads} threads; artifacts in {ctx.cache.root}"
    )
    if removed:
        console.print(f"removed {removed} unfinished artifact folder(s) left by an interrupted run")
    console.print(plan_table(plan, ctx, "plan"))
    planned = Counter(job.kind for job in plan.jobs.values())
    todo = [job for job in plan.jobs.values() if not is_done(job, ctx)]
    if dry_run:
        console.print(jobs_table(plan, ctx))
        return RunSummary("", planned, Counter(), time.perf_counter() - start, config.store_path)
    if state.is_main_process:
        ctx.run_id = ctx.store.start_run(
            config.name,
            ctx.config_hash,
            ctx.code_version,
            config.model_dump(mode="json"),
            socket.gethostname(),
        )
    executed: Counter = Counter()
    status = "failed"
    try:
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

            def on_progress(key: str, done: int, total: int, note: str) -> None:
                if key not in current:
                    label = next(j for j in todo if j.key == key)
                    current[key] = progress.add_task(f"  {label.kind}: {label.label}", total=total, note="")
                progress.update(current[key], completed=done, total=total, note=note)

            def on_done(job) -> None:
                executed[job.kind] += 1
                if job.key in current:
                    progress.remove_task(current.pop(job.key))
                progress.console.print(f"[green]✓[/] {job.kind}: {job.label}")
                progress.advance(overall)

            ctx.on_progress = on_progress
            if executor == "ray":
                from xstilts.pipeline.executors import run_ray

                run_ray(
                    todo,
                    ctx,
                    on_done,
                    address=ray_address,
                    cpus_per_job=cpus_per_job,
                    gpus_per_job=gpus_per_job,
                )
            else:
                from xstilts.pipeline.executors import run_local

                run_local(todo, ctx, on_done)
        status = "done"
    finally:
        if state.is_main_process:
            ctx.store.finish_run(ctx.run_id, status)
    wall = time.perf_counter() - start
    console.print(
        f"finished in {wall:.0f} s: ran {dict(executed)}; skipped {len(plan.jobs) - len(todo)} finished job(s). "
        f"Scores: {config.store_path}"
    )
    return RunSummary(ctx.run_id, planned, executed, wall, config.store_path)
