"""``xstilts run`` / ``status`` / ``results``: plan, skip what is done, run the rest, record.

A rerun after a crash or ``kill -9`` re-plans the same content-hashed jobs, finds the finished
ones complete on disk and in the store, and runs only what is missing.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from xstilts.events import EventSink, JobFinished, JobRow, PlanRow, RunFinished, RunStarted
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


def plan_rows(plan: Plan, ctx: RunContext) -> list[PlanRow]:
    """Planned and finished jobs per kind (the "plan" table of ``run`` and ``status``)."""
    rows = []
    for kind in ("intermediate", "finetune", "evaluate"):
        jobs = plan.by_kind(kind)
        rows.append(PlanRow(kind, len(jobs), sum(is_done(job, ctx) for job in jobs)))
    return rows


def job_rows(plan: Plan, ctx: RunContext) -> list[JobRow]:
    """Every job with its done/pending state (``status`` and ``run --dry-run``)."""
    return [JobRow(job.key, job.kind, job.label, is_done(job, ctx)) for job in plan.jobs.values()]


def run_experiment(
    config: ExperimentConfig,
    *,
    executor: str = "local",
    dry_run: bool = False,
    on_event: EventSink | None = None,
    console: object = None,
    ray_address: str | None = None,
    cpus_per_job: int = 1,
    gpus_per_job: float = 0,
) -> RunSummary:
    """Plan, skip what is done, run the rest; progress goes to ``on_event`` (see xstilts.events).

    ``console`` is accepted for callers written before progress events and ignored: the runner
    draws nothing (cli/progress.py does).
    """
    from xstilts.training.precision import process_state

    del console
    state = process_state()  # several processes under `accelerate launch`: only the main one reports
    if not state.is_main_process:
        on_event = None
    start = time.perf_counter()
    removed = 0
    if state.is_main_process:  # creates the store and cache folders before the other ranks look
        plan, ctx = prepare(config)
        removed = ctx.cache.clean_stale()
    state.wait_for_everyone()
    if not state.is_main_process:
        plan, ctx = prepare(config)
    ctx.on_progress = on_event
    planned = Counter(job.kind for job in plan.jobs.values())
    todo = [job for job in plan.jobs.values() if not is_done(job, ctx)]
    ctx.emit(_started(config, ctx, plan, removed, dry_run))
    if dry_run:
        summary = RunSummary("", planned, Counter(), time.perf_counter() - start, config.store_path)
        ctx.emit(_finished(config, summary, len(plan.jobs) - len(todo), 0, "dry-run", len(todo)))
        return summary
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

    def on_done(job) -> None:
        executed[job.kind] += 1
        ctx.emit(JobFinished(job.key, job.kind, job.label))

    try:
        _execute(executor, todo, ctx, on_done, ray_address, cpus_per_job, gpus_per_job)
        status = "done"
    finally:
        if state.is_main_process:
            ctx.store.finish_run(ctx.run_id, status)
        summary = RunSummary(ctx.run_id, planned, executed, time.perf_counter() - start, config.store_path)
        failed = 0 if status == "done" else 1  # executors stop at the first failing job
        ctx.emit(_finished(config, summary, len(plan.jobs) - len(todo), failed, status, len(todo)))
    return summary


def _execute(executor, todo, ctx, on_done, ray_address, cpus_per_job, gpus_per_job) -> None:
    if executor == "ray":
        from xstilts.pipeline.executors import run_ray

        run_ray(todo, ctx, on_done, address=ray_address, cpus_per_job=cpus_per_job, gpus_per_job=gpus_per_job)
    else:
        from xstilts.pipeline.executors import run_local

        run_local(todo, ctx, on_done)


def _started(
    config: ExperimentConfig, ctx: RunContext, plan: Plan, removed: int, dry_run: bool
) -> RunStarted:
    sweep = f" x {len(config.sweep_points())} sweep point(s)" if config.sweep else ""
    return RunStarted(
        experiment=config.name,
        grid=f"{len(config.models)} model(s) x {len(config.conditions)} condition(s) x "
        f"{len(config.targets)} target(s) x {len(config.seeds)} seed(s){sweep}",
        runtime=f"{ctx.runtime.device}, {ctx.runtime.precision} ({ctx.runtime.reason}), "
        f"{ctx.runtime.threads} threads",
        artifacts=ctx.cache.root,
        removed_stale=removed,
        plan=plan_rows(plan, ctx),
        jobs=job_rows(plan, ctx) if dry_run else [],
    )


def _finished(
    config: ExperimentConfig, summary: RunSummary, reused: int, failed: int, status: str, pending: int
) -> RunFinished:
    return RunFinished(
        experiment=config.name,
        executed=dict(summary.executed),
        reused=reused,
        failed=failed,
        wall_s=summary.wall_s,
        store_path=config.store_path,
        report_dir=config.report_dir,
        status=status,
        pending=pending,
    )
