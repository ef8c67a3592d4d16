"""``xstilts run`` / ``status`` / ``results``: plan, skip what is done, run the rest, record.

A rerun after a crash or ``kill -9`` re-plans the same content-hashed jobs, finds the finished
ones complete (and sound: sizes and hashes match) on disk and in the store, and runs only what is
missing. At start it also tidies what killed processes left (temporary folders, claims, run and
job rows still marked ``running``), but only what is provably dead; ``--dry-run`` writes nothing.
SIGTERM is handled like Ctrl-C: the run row is marked ``interrupted`` and the user is told how
to resume.
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from xstilts.engine.precision import choose_runtime
from xstilts.errors import UnknownNameError
from xstilts.events import EventSink, JobFinished, JobRow, PlanRow, RunFinished, RunStarted
from xstilts.leases import HEARTBEAT_S, Owner, dead_tempdirs
from xstilts.paths import cache_dir
from xstilts.pipeline.cache import ArtifactCache
from xstilts.pipeline.config import ExperimentConfig
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.fingerprint import code_version
from xstilts.pipeline.jobs import is_done, start_run_row
from xstilts.pipeline.kinds import JobKind
from xstilts.pipeline.planner import Plan, build_plan
from xstilts.pipeline.store import ResultsStore


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
def _signals_as_interrupts(resume: str) -> Iterator[list[str]]:
    """SIGTERM (and SIGINT) stop the run with :class:`RunInterrupted`, at the next safe point.

    The first signal is recorded in the yielded list and raised at the next progress event (every
    training step, every evaluated language) or job boundary (:func:`_interruptible`): raised
    from the handler itself, it can land inside a destructor (garbage collection runs at any
    instruction), where Python prints and swallows it and the run goes on. A second signal
    raises at once.
    """
    requested: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum, _frame):
        requested.append(signal.Signals(signum).name)
        if len(requested) > 1:
            raise RunInterrupted(requested[0], resume)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _interruptible(sink: EventSink | None, requested: list[str], resume: str) -> EventSink:
    """``sink`` that first raises :class:`RunInterrupted` if a signal came (and was swallowed)."""

    def forward(event) -> None:
        if requested:
            raise RunInterrupted(requested[0], resume)
        if sink is not None:
            sink(event)

    return forward


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


def plan_rows(plan: Plan, ctx: RunContext) -> list[PlanRow]:
    """Planned and finished jobs per kind (the "plan" table of ``run`` and ``status``)."""
    rows = []
    for kind in JobKind:
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

    With ``dry_run`` nothing changes on disk. ``console`` is accepted for callers written before
    progress events and ignored: the runner draws nothing (cli/progress.py does).
    """
    from xstilts.engine.precision import process_state

    del console
    _executor(executor)  # an unknown name fails before anything is planned
    state = process_state()  # several processes under `accelerate launch`: only the main one reports
    if not state.is_main_process:
        on_event = None
    start = time.perf_counter()
    plan, ctx, notes = _prepare_every_rank(config, state, dry_run)
    ctx.on_progress = on_event
    planned = Counter(job.kind for job in plan.jobs.values())
    todo = [job for job in plan.jobs.values() if not is_done(job, ctx)]
    ctx.emit(_started(config, ctx, plan, notes, dry_run))
    if dry_run:
        summary = RunSummary(
            "", planned, Counter(), time.perf_counter() - start, config.store_path, notes=notes
        )
        ctx.emit(_finished(config, summary, len(plan.jobs) - len(todo), 0, "dry-run", len(todo)))
        return summary
    if state.is_main_process:
        ctx.run_id = start_run_row(config, ctx)
    executed: Counter = Counter()
    status = "failed"

    def on_done(job, built: bool) -> None:
        if built:
            executed[job.kind] += 1
        ctx.emit(JobFinished(job.key, job.kind, job.label, built=built))

    resume = config.command("run")
    stopped_by = ""
    try:
        with _signals_as_interrupts(resume) as requested, _run_heartbeat(ctx.store, ctx.run_id):
            ctx.on_progress = _interruptible(on_event, requested, resume)
            _execute(executor, todo, ctx, on_done, ray_address, cpus_per_job, gpus_per_job)
            if requested:  # the last job finished while the exception was swallowed
                raise RunInterrupted(requested[0], resume)
        status = "done"
    except KeyboardInterrupt as stop:
        status = "interrupted"
        stopped_by = getattr(stop, "signal_name", "SIGINT")
        raise RunInterrupted(stopped_by, resume) from None
    finally:
        if state.is_main_process:
            _finish_run(ctx, status)
        wall = time.perf_counter() - start
        skipped = len(plan.jobs) - sum(executed.values())
        summary = RunSummary(ctx.run_id, planned, executed, wall, config.store_path, skipped, notes)
        failed = 1 if status == "failed" else 0  # executors stop at the first failing job
        ctx.on_progress = on_event  # the closing summary is never interrupted
        ctx.emit(
            _finished(config, summary, len(plan.jobs) - len(todo), failed, status, len(todo),
                      resume=resume, total=len(plan.jobs), stopped_by=stopped_by)
        )  # fmt: skip
    return summary


def _prepare_every_rank(config: ExperimentConfig, state, dry_run: bool) -> tuple[Plan, RunContext, list[str]]:
    """Plan and open the store on every process; only the main one tidies and checks artifacts.

    The main process goes first: it creates the store and cache folders before the other ranks
    look, and it alone repairs what killed runs left (one writer, no races).
    """
    notes: list[str] = []
    if state.is_main_process:
        plan, ctx = prepare(config, write=not dry_run)
        if not dry_run:
            notes += tidy_after_kills(ctx)
        notes += check_artifacts(plan, ctx, repair=not dry_run)
    state.wait_for_everyone()
    if not state.is_main_process:
        plan, ctx = prepare(config)
    return plan, ctx, notes


def _finish_run(ctx: RunContext, status: str) -> None:
    """Mark the run row; a store that cannot be written must not hide the run's own error."""
    from xstilts.errors import StoreError

    try:
        ctx.store.finish_run(ctx.run_id, status)
    except StoreError:
        if status == "done":
            raise


def _executor(name: str):
    """``run_<name>`` of :mod:`xstilts.pipeline.executors`: adding an executor is adding that function."""
    from xstilts.pipeline import executors

    run = getattr(executors, f"run_{name}", None)
    if not callable(run):
        known = [
            attr[4:]
            for attr in dir(executors)
            if attr.startswith("run_") and callable(getattr(executors, attr))
        ]
        raise UnknownNameError("executor", name, known)
    return run


def _execute(executor, todo, ctx, on_done, ray_address, cpus_per_job, gpus_per_job) -> None:
    run = _executor(executor)
    if executor == "ray":  # Ray places each job in its own slot
        run(todo, ctx, on_done, address=ray_address, cpus_per_job=cpus_per_job, gpus_per_job=gpus_per_job)
    else:
        run(todo, ctx, on_done)


def _started(
    config: ExperimentConfig, ctx: RunContext, plan: Plan, notes: list[str], dry_run: bool
) -> RunStarted:
    sweep = f" x {len(config.sweep_points())} sweep point(s)" if config.sweep else ""
    return RunStarted(
        experiment=config.name,
        grid=f"{len(config.models)} model(s) x {len(config.conditions)} condition(s) x "
        f"{len(config.targets)} target(s) x {len(config.seeds)} seed(s){sweep}",
        runtime=f"{ctx.runtime.device}, {ctx.runtime.precision} ({ctx.runtime.reason}), "
        f"{ctx.runtime.threads} threads",
        artifacts=ctx.cache.root,
        config_hash=ctx.config_hash,
        notes=list(notes),
        plan=plan_rows(plan, ctx),
        jobs=job_rows(plan, ctx) if dry_run else [],
    )


def _finished(
    config: ExperimentConfig,
    summary: RunSummary,
    reused: int,
    failed: int,
    status: str,
    pending: int,
    *,
    resume: str = "",
    total: int = 0,
    stopped_by: str = "",
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
        resume=resume,
        finished=reused + sum(summary.executed.values()),
        total=total,
        stopped_by=stopped_by,
    )
