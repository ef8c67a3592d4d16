"""Where jobs run: in this process (``local``) or as Ray tasks (``ray``), same code, same store.

Jobs are claimed before they are built, so several runs sharing an artifact folder split the
work: the local executor takes the first job whose dependencies are finished and which no live
process holds, and waits only when every remaining job is someone else's.

Ray runs one job per CPU/GPU slot; a job's dependencies are passed as object references so Ray
starts it only after its parents' artifacts exist. Workers write artifacts and scores themselves
(the artifact cache and the SQLite store are safe for concurrent writers), so the driver only
waits and reports progress.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable

from xstilts.pipeline import jobs as job_runs  # not `import run_job`: every run_<name> here is an executor
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.planner import Job

OnDone = Callable[[Job, bool], None]  # (job, built by this process)


def run_local(jobs: list[Job], ctx: RunContext, on_done: OnDone, poll_s: float = 0.2) -> None:
    from xstilts.engine.precision import process_state

    if process_state().num_processes > 1:  # DDP: every rank runs the same jobs in the same order
        for job in jobs:
            on_done(job, job_runs.run_job(job, ctx, use_claims=False))
        return
    pending = {job.key: job for job in jobs}  # topological order
    while pending:
        job, claim = _next_job(pending, ctx)
        if job is None:
            time.sleep(poll_s)  # every runnable job is being built by another process
            continue
        del pending[job.key]
        on_done(job, job_runs.run_job(job, ctx, claim=claim, use_claims=False))


def _next_job(pending: dict[str, Job], ctx: RunContext):
    """The first pending job that is ready (parents finished) and finished or claimable now."""
    for job in pending.values():
        if any(dep in pending for dep in job.deps):
            continue
        if ctx.cache.is_complete(job.kind, job.key):
            return job, None
        claim = ctx.cache.try_claim(job.kind, job.key)
        if claim is not None:
            return job, claim
    return None, None


def _remote_body(job: Job, ctx: RunContext, threads: int, *_parents: str) -> tuple[str, bool]:
    """Executed inside a Ray worker: re-detect the runtime for this slot, then run the job."""
    from xstilts.engine.precision import choose_runtime

    ctx.config.import_task_modules()
    cfg = ctx.config.runtime
    runtime = choose_runtime(cfg.precision, cfg.device, threads)
    built = job_runs.run_job(job, dataclasses.replace(ctx, runtime=runtime, on_progress=None, _tokenizers={}))
    return job.key, built


def run_ray(
    jobs: list[Job],
    ctx: RunContext,
    on_done: OnDone,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    cpus_per_job: int = 1,
    gpus_per_job: float = 0,
) -> None:
    import ray

    if not ray.is_initialized():
        kwargs = {"address": address} if address else {"num_cpus": num_cpus or os.cpu_count()}
        ray.init(include_dashboard=False, ignore_reinit_error=True, log_to_driver=False, **kwargs)
    remote = ray.remote(_remote_body).options(num_cpus=cpus_per_job, num_gpus=gpus_per_job, max_retries=0)
    shippable = dataclasses.replace(ctx, on_progress=None, _tokenizers={})
    refs = {}
    pending = {job.key for job in jobs}
    for job in jobs:  # topological order: parents are submitted first
        parents = [refs[d] for d in job.deps if d in refs]
        refs[job.key] = remote.remote(job, shippable, cpus_per_job, *parents)
    by_ref = {ref: key for key, ref in refs.items()}
    by_key = {job.key: job for job in jobs}
    waiting = list(refs.values())
    while waiting:
        ready, waiting = ray.wait(waiting, num_returns=1)
        key = by_ref[ready[0]]
        _, built = ray.get(ready[0])  # re-raises the worker's exception
        pending.discard(key)
        on_done(by_key[key], built)
