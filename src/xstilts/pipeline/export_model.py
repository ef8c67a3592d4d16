"""``xstilts export model``: pick one trained job of an experiment and export it (models/export.py).

A job is named by its key (a unique prefix is enough) or by the grid cell it trained: condition,
seed and target (and model, when the grid has several). Without a target, the condition's
intermediate checkpoint is exported (the encoder the paper transfers).
"""

from __future__ import annotations

from pathlib import Path

from xstilts.errors import ConfigError, MissingResourceError
from xstilts.pipeline.config import ExperimentConfig
from xstilts.pipeline.kinds import JobKind
from xstilts.pipeline.planner import Job, Plan

EXPORTABLE = (JobKind.FINETUNE, JobKind.INTERMEDIATE)


def find_job(
    plan: Plan,
    *,
    key: str | None = None,
    condition: str | None = None,
    seed: int | None = None,
    target: str | None = None,
    model: str | None = None,
) -> Job:
    """The one trained job that matches; a clear error listing the choices otherwise."""
    trained = [job for job in plan.jobs.values() if job.kind in EXPORTABLE]
    if key:
        matches = [job for job in trained if job.key.startswith(key)]
        wanted = f"job key {key!r}"
    else:
        if condition is None:
            raise ConfigError("name a job", fix="--job KEY, or --condition C [--seed S] [--target T]")
        kind = JobKind.FINETUNE if target else JobKind.INTERMEDIATE
        matches = [
            job
            for job in trained
            if job.kind == kind
            and job.tags.get("condition") == condition
            and (seed is None or job.tags.get("seed") == str(seed))
            and (target is None or job.tags.get("target") == target)
            and (model is None or job.tags.get("model") == model)
        ]
        wanted = f"{kind} job for condition {condition!r}" + (f", target {target!r}" if target else "")
    if len(matches) == 1:
        return matches[0]
    shown = "; ".join(f"{job.key[:12]} {job.kind}: {job.label}" for job in (matches or trained)[:12])
    if not matches:
        raise ConfigError(f"no {wanted} in this experiment", fix=f"trained jobs: {shown or 'none'}")
    raise ConfigError(f"{len(matches)} jobs match the {wanted}", fix=f"add --seed/--model or --job: {shown}")


def export_model(config: ExperimentConfig, out: Path, **selection) -> tuple[Job, object]:
    """Export the selected job's checkpoint to ``out`` as a Hugging Face folder."""
    from xstilts.models.export import export_checkpoint
    from xstilts.models.loading import load_tokenizer
    from xstilts.pipeline.runner import prepare

    plan, ctx = prepare(config)
    job = find_job(plan, **selection)
    if not ctx.cache.is_complete(job.kind, job.key):
        raise MissingResourceError(
            f"job {job.key[:12]} ({job.label}) has not been trained yet",
            file=ctx.cache.path(job.kind, job.key),
            fix="run the experiment first: xstilts run <experiment file> (then export)",
        )
    if out.exists() and any(out.iterdir()):
        raise ConfigError("the export folder is not empty", file=out, fix="give a new or empty --out folder")
    meta = ctx.cache.meta(job.kind, job.key)
    provenance = {
        "job": job.key,
        "kind": job.kind,
        "label": job.label,
        "tags": job.tags,
        **meta["provenance"],
    }
    result = export_checkpoint(
        job.payload["model"], ctx.cache.path(job.kind, job.key), meta, out, load_tokenizer(job.payload["model"]),
        provenance,
    )  # fmt: skip
    return job, result
