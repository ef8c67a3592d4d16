"""``xstilts verify`` and ``xstilts store rebuild``: check artifacts fully, re-read scores from them.

Every finished evaluation keeps its scores in its artifact (``scores.json``), and the store is
only an index of them. So a corrupt or lost ``results.sqlite`` loses no score: rebuilding
re-records every finished job of the config from its artifact. What a rebuild cannot recover is
the run history (the ``runs`` table) and rows of other configs that are not rebuilt as well.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from xstilts.engine.precision import choose_runtime
from xstilts.errors import StoreError
from xstilts.paths import cache_dir
from xstilts.pipeline.cache import ArtifactCache
from xstilts.pipeline.config import ExperimentConfig
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.fingerprint import code_version
from xstilts.pipeline.jobs import SCORES, record_done, start_run_row
from xstilts.pipeline.kinds import JobKind
from xstilts.pipeline.planner import Plan, build_plan
from xstilts.pipeline.store import ResultsStore
from xstilts.tasks.metrics.keys import MetricKey, read_scores


@dataclass
class ArtifactCheck:
    kind: str
    label: str
    key: str
    status: str  # ok | corrupt | missing | store-differs
    detail: str = ""


@dataclass
class RebuildSummary:
    store: Path
    moved_aside: Path | None
    recorded: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # jobs without a sound artifact


def _context(config: ExperimentConfig, store: ResultsStore) -> tuple[Plan, RunContext]:
    runtime = choose_runtime(config.runtime.precision, config.runtime.device, config.runtime.threads)
    plan = build_plan(config, runtime.precision)
    ctx = RunContext(
        config=config,
        cache=ArtifactCache(config.resolved_artifact_dir, create=False),
        store=store,
        runtime=runtime,
        config_hash=config.config_hash(),
        code_version=code_version(),
        feature_cache=cache_dir(),
    )
    return plan, ctx


def verify(config: ExperimentConfig, *, repair: bool = False) -> list[ArtifactCheck]:
    """Hash every file of every finished artifact of the plan; compare stored scores with them."""
    hint = config.command("store rebuild")
    store = ResultsStore(config.store_path, readonly=True, rebuild_hint=hint)
    plan, ctx = _context(config, store)
    checks = []
    for job in plan.jobs.values():
        if not ctx.cache.is_complete(job.kind, job.key):
            checks.append(ArtifactCheck(job.kind, job.label, job.key, "missing", "not built yet"))
            continue
        problem = ctx.cache.check(job.kind, job.key, full=True)
        if problem is not None:
            if repair:
                aside = ctx.cache.quarantine(job.kind, job.key)
                problem += f"; moved aside to {aside.name if aside else '(already moved)'}"
            checks.append(ArtifactCheck(job.kind, job.label, job.key, "corrupt", problem))
            continue
        differs = _store_differs(job, ctx) if job.kind == JobKind.EVALUATE else ""
        status = "store-differs" if differs else "ok"
        checks.append(ArtifactCheck(job.kind, job.label, job.key, status, differs))
    return checks


def _store_differs(job, ctx: RunContext) -> str:
    """How the store's rows of an evaluate job differ from its artifact's scores ('' when equal)."""
    results = json.loads((ctx.cache.path(JobKind.EVALUATE, job.key) / SCORES).read_text(encoding="utf-8"))
    frame = ctx.store.scores_frame(ctx.config.name)
    rows = frame[frame["job_id"] == job.key]
    if rows.empty:
        return ""  # not recorded yet: the next run records it from the artifact
    stored = {
        (r.language, MetricKey(r.metric, r.variant, r.direction, r.reference)): r.value
        for r in rows.itertuples()
    }
    wrong = [
        f"{language}/{key.label}"
        for language, result in results.items()
        for key, value in read_scores(result["scores"]).items()
        if (language, key) in stored and abs(stored[(language, key)] - float(value)) > 1e-12
    ]
    return f"{len(wrong)} stored value(s) differ from the artifact: {', '.join(wrong[:5])}" if wrong else ""


def _open_or_set_aside(path: Path, hint: str) -> tuple[ResultsStore, Path | None]:
    """The store at ``path``; one that cannot be read is moved aside and a fresh one created."""
    if path.exists():
        try:
            store = ResultsStore(path, rebuild_hint=hint)
            store.runs_frame()
            return store, None
        except StoreError as error:
            if "corrupt" not in error.problem:
                raise
    aside = None
    if path.exists():
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(path, aside)
        for suffix in ("-wal", "-shm", "-journal"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
    return ResultsStore(path, rebuild_hint=hint), aside


def rebuild_store(config: ExperimentConfig) -> RebuildSummary:
    """Re-record every finished, sound job of the config from its artifact into its store."""
    store, aside = _open_or_set_aside(config.store_path, config.command("store rebuild"))
    plan, ctx = _context(config, store)
    ctx.run_id = start_run_row(config, ctx)
    summary = RebuildSummary(config.store_path, aside)
    for job in plan.jobs.values():
        if not ctx.cache.is_complete(job.kind, job.key) or ctx.cache.check(job.kind, job.key) is not None:
            summary.skipped.append(job.label)
            continue
        record_done(job, ctx, time.time())
        summary.recorded[job.kind] = summary.recorded.get(job.kind, 0) + 1
    store.finish_run(ctx.run_id, "rebuilt")
    return summary
