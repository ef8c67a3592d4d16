"""Run one job and record it: the unit of work both executors (local, Ray) call.

A job is done when its artifact is complete; an evaluate job is done when, in addition, this
experiment's store holds its scores. Scores are written from the artifact's ``scores.json`` in
one transaction together with the job's "done" mark, so a crash between the artifact and the
store only means the scores are re-read from disk on the next run, never recomputed or doubled.
``scores.json`` holds one record per :class:`~xstilts.tasks.metrics.keys.MetricKey`; artifacts
written before keys (name -> value) are still read (:func:`~xstilts.tasks.metrics.keys.read_scores`).
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from xstilts.errors import UnknownNameError
from xstilts.events import JobStarted
from xstilts.leases import Owner
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.kinds import JobKind
from xstilts.pipeline.planner import Job
from xstilts.pipeline.store import ScoreRow
from xstilts.tasks.metrics import get_metric
from xstilts.tasks.metrics.keys import MetricKey, read_scores, score_records
from xstilts.tasks.registry import get_task
from xstilts.tasks.types import get_task_type

SCORES = "scores.json"
# The metric of the one row a predict-only language gets: its value is the number of predictions.
PREDICT_ONLY = "predict_only"


def is_done(job: Job, ctx: RunContext) -> bool:
    if not ctx.cache.is_complete(job.kind, job.key):
        return False
    if job.kind != JobKind.EVALUATE:
        return True
    recorded = ctx.store.recorded_cells(ctx.config.name, job.key)
    return all((cell.condition, cell.seed) in recorded for cell in job.cells)


def lineage(ctx: RunContext, parent: dict[str, str] | None) -> list[dict[str, str]]:
    """The chain of artifacts an evaluation descends from (nearest first)."""
    chain = []
    while parent:
        chain.append(parent)
        meta = ctx.cache.meta(parent["kind"], parent["key"])
        parent = meta.get("provenance", {}).get("parent")
    return chain


def wait_for_claim(job: Job, ctx: RunContext, poll_s: float = 0.5) -> Path | None:
    """Claim the job, waiting while another live process builds it; None once its artifact exists."""
    while True:
        if ctx.cache.is_complete(job.kind, job.key):
            return None
        claim = ctx.cache.try_claim(job.kind, job.key)
        if claim is not None:
            return claim
        time.sleep(poll_s)


def run_job(job: Job, ctx: RunContext, *, claim: Path | None = None, use_claims: bool = True) -> bool:
    """Run one job (unless its artifact exists) and record it; True when this process built it.

    Before building, the job is claimed (see :meth:`ArtifactCache.try_claim`) so that two runs
    sharing the artifact folder never build the same artifact twice; one that another process
    published meanwhile is success. Under ``accelerate launch`` (several processes, DDP) every
    process trains, only the main one writes artifacts, evaluates and records, and the others
    wait for it at each job's end (claims are off there: all ranks must run the same jobs).
    """
    from xstilts.engine.precision import process_state

    state = process_state()
    started = time.time()
    built = False
    if use_claims and state.num_processes == 1 and claim is None:
        claim = wait_for_claim(job, ctx)
    try:
        if not ctx.cache.is_complete(job.kind, job.key):
            _build(job, ctx, state, started)
            built = True
        if state.is_main_process:
            record_done(job, ctx, started)
    finally:
        if claim is not None:
            ctx.cache.release(claim)
    state.wait_for_everyone()
    return built


def _build(job: Job, ctx: RunContext, state, started: float) -> None:
    from xstilts.pipeline.phases import run_finetune, run_intermediate

    if state.is_main_process:
        ctx.emit(JobStarted(job.key, job.kind, job.label))
        ctx.store.record_job(
            ctx.config.name, job.key, job.kind, job.label, "running", run_id=ctx.run_id, started_at=started
        )
    if job.kind == JobKind.INTERMEDIATE:
        run_intermediate(job, ctx)
    elif job.kind == JobKind.FINETUNE:
        run_finetune(job, ctx)
    elif state.is_main_process:
        _evaluate(job, ctx)
    state.wait_for_everyone()


def record_done(job: Job, ctx: RunContext, started: float) -> None:
    scores = _score_rows(job, ctx) if job.kind == JobKind.EVALUATE else []
    provenance = ctx.provenance(payload=job.payload)
    if job.kind != JobKind.EVALUATE:  # the dev curve goes into the store, so the report can draw it
        provenance.update(tags=job.tags, dev_history=_dev_history(ctx.cache.path(job.kind, job.key)))
        selection = ctx.cache.meta(job.kind, job.key).get("learning_rate_selection")
        if selection:  # the rate picked on dev and every candidate's score, for the report
            provenance["learning_rate_selection"] = selection
    ctx.store.record_job(
        ctx.config.name,
        job.key,
        job.kind,
        job.label,
        "done",
        run_id=ctx.run_id,
        started_at=started,
        wall_s=time.time() - started,
        artifact=str(ctx.cache.path(job.kind, job.key)),
        provenance=provenance,
        scores=scores,
    )


def _dev_history(artifact: Path) -> list[dict]:
    """The training job's dev evaluations (step, loss, score per dev set), [] if it kept none."""
    log = artifact / "train_log.json"
    return json.loads(log.read_text(encoding="utf-8")) if log.is_file() else []


def _evaluate(job: Job, ctx: RunContext) -> None:
    from xstilts.pipeline.evaluate_jobs import evaluate_finetuned, evaluate_retrieval

    spec = get_task(job.payload["target"])
    meta = {
        "kind": JobKind.EVALUATE,
        "key": job.key,
        "provenance": ctx.provenance(parent=job.payload["parent"], payload=job.payload),
    }
    from xstilts.training.tracking import Tracker

    with (
        Tracker(ctx.tracking_target(job, job.payload)) as tracker,
        ctx.cache.build(JobKind.EVALUATE, job.key, meta) as tmp,
    ):
        head_scored = get_task_type(spec.task_type).evaluation == "head"
        evaluate = evaluate_finetuned if head_scored else evaluate_retrieval  # embeddings: aligned, mining
        results = evaluate(job, ctx, tmp)
        stored = {
            language: {**result, "scores": score_records(result["scores"])}
            for language, result in results.items()
        }
        (tmp / SCORES).write_text(json.dumps(stored, indent=2, sort_keys=True), encoding="utf-8")
        tracker.log(0, _test_metrics(spec.test_split, results))


def _test_metrics(split: str, results: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Every score of an evaluation as ``<split>/<language>/<key label>`` scalars for the trackers."""
    return {
        f"{split}/{language}/{key.label}": float(value)
        for language, result in results.items()
        for key, value in result["scores"].items()
    }


def _higher_is_better(metric: str) -> bool:
    """Registered metrics know their direction; auxiliary numbers (precision, recall) are "higher"."""
    try:
        return get_metric(metric).higher_is_better
    except UnknownNameError:
        return True


def _score_rows(job: Job, ctx: RunContext) -> list[ScoreRow]:
    spec = get_task(job.payload["target"])
    folder = ctx.cache.path(JobKind.EVALUATE, job.key)
    results: dict[str, dict[str, Any]] = json.loads((folder / SCORES).read_text(encoding="utf-8"))
    chain = lineage(ctx, job.payload["parent"])
    model_revision = ctx.cache.meta(JobKind.EVALUATE, job.key)["provenance"].get("runtime", {})
    rows = []
    target = ctx.config.targets.get(job.payload["target"])
    primary = (target.primary_metric if target is not None else None) or spec.main_metric
    main = MetricKey(primary)  # declared in the experiment (targets.*.primary_metric), no qualifier
    for cell in job.cells:
        for language, result in sorted(results.items()):
            scores = read_scores(result["scores"])
            if result.get("predict_only"):  # labels withheld: one marker row, never a main metric
                scores = {MetricKey(PREDICT_ONLY): float(result["n"])}
            for key, value in sorted(scores.items()):
                rows.append(
                    ScoreRow(
                        model=cell.model,
                        condition=cell.condition,
                        intermediate=cell.intermediate,
                        sources=cell.sources,
                        target_task=cell.target,
                        language=language,
                        split=spec.test_split,
                        metric=key.metric,
                        variant=key.variant,
                        direction=key.direction,
                        reference=key.reference,
                        value=float(value),
                        seed=cell.seed,
                        is_main=key == main,
                        higher_is_better=_higher_is_better(key.metric),
                        n_examples=int(result["n"]),
                        provenance={
                            "job": job.key,
                            "lineage": chain,
                            "data_fingerprint": result["data"],
                            "evaluation": job.payload["evaluation"],
                            "max_examples": job.payload["max_examples"],
                            "evaluated_with": model_revision,
                            "config_hash": ctx.config_hash,
                            "code_version": ctx.code_version,
                            "run_id": ctx.run_id,
                            "task_version": spec.version,
                            **({"details": result["info"]} if "info" in result else {}),
                        },
                    )
                )
    return rows


def start_run_row(config, ctx: RunContext) -> str:
    """Record the run (config, code version, host, owner for lease checks); returns its id."""
    return ctx.store.start_run(
        config.name,
        ctx.config_hash,
        ctx.code_version,
        config.model_dump(mode="json"),
        socket.gethostname(),
        owner=Owner.me().as_dict(),
    )
