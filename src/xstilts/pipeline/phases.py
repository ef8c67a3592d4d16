"""The two training phases as jobs: intermediate-task training and target-task fine-tuning.

Both build :class:`TrainEntry` objects from task data (cached features), assemble the model from
the pretrained encoder plus the parent checkpoint, train, and write an artifact holding the
changed parameters, the head specs and label sets, and a training log with throughput.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import torch

from xstilts.engine.batching import BatchPlan, default_pad_multiple
from xstilts.engine.features import LabelMap, cached_features
from xstilts.engine.predict import evaluation_plan
from xstilts.models.assemble import WEIGHTS, assemble
from xstilts.models.heads import HeadSpec
from xstilts.models.multitask import MLM_HEAD, save_delta, trainable_keys
from xstilts.pipeline.config import PhaseConfig
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.fingerprint import source_fingerprint
from xstilts.tasks.loading import read_examples, subsample_fingerprint
from xstilts.tasks.registry import get_task
from xstilts.tasks.spec import TaskSpec
from xstilts.tasks.types import get_task_type
from xstilts.training.optim import fused_adamw_available
from xstilts.training.prepare import prepare_model
from xstilts.training.selection import select_learning_rate
from xstilts.training.trainer import TrainEntry, TrainSettings, train


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def pad_multiple_for(phase: PhaseConfig, device: str) -> int:
    """The phase's ``pad_multiple``, else the device's default (:data:`engine.batching.PAD_MULTIPLE`:
    exact padding on CPUs, multiples of 8 on GPUs)."""
    return phase.pad_multiple if phase.pad_multiple is not None else default_pad_multiple(device)


def _embeddings_stay_put(ctx: RunContext) -> bool:
    """A frozen embedding matrix on CPU is never written, moved or cast: jobs may share one copy."""
    return ctx.config.runtime.embedding_mode == "frozen" and ctx.runtime.device == "cpu"


def prepare_encoder(model, ctx: RunContext) -> dict[str, Any]:
    """Apply the runtime's memory/speed options to the encoder; return what was chosen."""
    runtime = ctx.config.runtime
    compiled = runtime.compile == "on"
    prepare_model(
        model, ctx.runtime.device, runtime.embedding_mode,
        gradient_checkpointing=runtime.gradient_checkpointing, compile_encoder=compiled,
    )  # fmt: skip
    return {
        "embedding_mode": runtime.embedding_mode,
        "gradient_checkpointing": runtime.gradient_checkpointing,
        "compile": compiled,
        "precision": ctx.runtime.precision,
        "precision_reason": ctx.runtime.reason,
        "device": ctx.runtime.device,
        "threads": ctx.runtime.threads,
        "processes": _world_size(),
    }


def _world_size() -> int:
    from xstilts.engine.precision import process_state

    return process_state().num_processes


def settings_from(phase: PhaseConfig, ctx: RunContext) -> TrainSettings:
    fused = ctx.config.runtime.fused_optimizer
    multiple = pad_multiple_for(phase, ctx.runtime.device)
    return TrainSettings(
        learning_rate=phase.learning_rate,
        head_learning_rate=phase.head_learning_rate,
        weight_decay=phase.weight_decay,
        warmup_ratio=phase.warmup_ratio,
        max_steps=phase.max_steps,
        grad_accumulation=phase.grad_accumulation,
        max_grad_norm=phase.max_grad_norm,
        eval_every=phase.eval_every,
        patience=phase.patience,
        sampling=phase.sampling,
        temperature=phase.temperature,
        cap=phase.cap,
        embedding_mode=ctx.config.runtime.embedding_mode,
        fused_optimizer=fused == "on" or (fused == "auto" and fused_adamw_available(ctx.runtime.device)),
        plan=BatchPlan(batch_size=phase.batch_size, max_tokens=phase.max_tokens, pad_multiple=multiple),
        eval_plan=evaluation_plan(ctx.config, ctx.runtime),
        log_every=ctx.config.tracking.log_every,
    )


def _features(
    ctx: RunContext,
    spec: TaskSpec,
    split: str,
    language: str,
    limit: int | None,
    seed: int,
    tokenizer,
    labels: LabelMap | None,
    max_length: int,
    examples: list[dict],
):
    root = spec.data_root(ctx.config.data_dir)
    fingerprint = subsample_fingerprint(
        source_fingerprint(spec, root, split, language), len(examples), limit, seed
    )
    return cached_features(
        spec, split, language, examples, fingerprint, tokenizer, labels, max_length, ctx.feature_cache
    )


def _entry(
    ctx,
    spec: TaskSpec,
    data_spec: TaskSpec,
    language: str,
    phase: PhaseConfig,
    seed: int,
    tokenizer,
    labels: LabelMap | None,
    train_examples: list[dict],
) -> TrainEntry:
    root = data_spec.data_root(ctx.config.data_dir)
    max_length = min(phase.max_length, data_spec.max_length) if data_spec.max_length else phase.max_length
    train_features = _features(
        ctx,
        data_spec,
        "train",
        language,
        phase.max_train_examples,
        seed,
        tokenizer,
        labels,
        max_length,
        train_examples,
    )
    dev = dev_examples = None
    if phase.eval_every and data_spec.dev_split in data_spec.files:
        dev_examples = read_examples(
            data_spec, root, data_spec.dev_split, language, phase.max_dev_examples, 0
        )
        dev = _features(
            ctx,
            data_spec,
            data_spec.dev_split,
            language,
            phase.max_dev_examples,
            0,
            tokenizer,
            labels,
            max_length,
            dev_examples,
        )
    return TrainEntry(
        f"{spec.name}:{language}", spec.name, data_spec, train_features, dev, dev_examples, labels, language
    )


def _head_spec(spec: TaskSpec, labels: LabelMap | None, phase: PhaseConfig) -> HeadSpec:
    return HeadSpec(str(spec.task_type), len(labels.names) if labels else 0, phase.pooling, phase.dropout)


def _mlm_entry(name: str, texts: list[str], language: str, max_length: int, tokenizer) -> TrainEntry:
    import datasets

    enc = tokenizer(texts, truncation=True, max_length=max_length)
    data = datasets.Dataset.from_dict({"input_ids": enc["input_ids"]})
    return TrainEntry(name, MLM_HEAD, None, data, language=language)


def _mlm_entries(ctx: RunContext, phase: PhaseConfig, seed: int, tokenizer) -> list[TrainEntry]:
    if phase.mlm is None:
        return []
    spec = get_task(phase.mlm.task)
    text_field = get_task_type(spec.task_type).corpus_field  # the type says which text it trains on
    if text_field is None:
        raise ValueError(f"MLM corpus task {spec.name!r} must be a (pair) classification task with text")
    root = spec.data_root(ctx.config.data_dir)
    entries = []
    for language in phase.mlm.languages:
        examples = read_examples(spec, root, "train", language, phase.mlm.max_examples_per_language, seed)
        texts = [e[text_field] for e in examples]
        entries.append(_mlm_entry(f"mlm:{language}", texts, language, phase.max_length, tokenizer))
    return entries


def _progress(ctx: RunContext, key: str):
    def report(step: int, total: int, loss: float) -> None:
        ctx.progress(key, step, total, unit="steps", loss=None if loss != loss else loss)  # nan: not yet read

    return report


def _train_and_save(
    job,
    ctx: RunContext,
    build_model: Callable[[], tuple[Any, set[str]]],
    entries: list[TrainEntry],
    phase: PhaseConfig,
    tokenizer,
    head_specs: dict[str, HeadSpec],
    labels: dict[str, LabelMap | None],
    meta_extra: dict[str, Any],
) -> None:
    """Train (once, or once per declared learning rate), then write the artifact: changed
    parameters, heads, labels, settings, log, and the learning-rate choice when one was made."""
    settings = settings_from(phase, ctx)
    from xstilts.engine.precision import process_state
    from xstilts.training.tracking import Tracker

    target = ctx.tracking_target(job, job.payload) if process_state().is_main_process else None
    with Tracker(target) as tracker:
        model, inherited, chosen, result, selection = _train_phase(
            job, ctx, build_model, entries, phase, settings, tokenizer, tracker
        )
        tracker.log(result.steps, _final_metrics(result))
    if selection is not None:
        settings = replace(settings, learning_rate=selection.chosen)
    save_keys = {k for k in trainable_keys(model) | inherited if not k.startswith(f"heads.{MLM_HEAD}")}
    meta = {
        "kind": job.kind,
        "key": job.key,
        "head_specs": {name: spec.as_dict() for name, spec in head_specs.items()},
        "labels": {name: lm.names for name, lm in labels.items() if lm is not None},
        "train": dict(result.__dict__),
        "settings": {**asdict(settings), "runtime_options": chosen},
        "examples_per_s": result.examples_per_s,
        "padding_efficiency": result.real_tokens / max(1, result.padded_tokens),
        "provenance": ctx.provenance(**meta_extra),
    }
    if selection is not None:
        meta["learning_rate_selection"] = selection.record()
    if not process_state().is_main_process:  # DDP: one writer
        return
    with ctx.cache.build(job.kind, job.key, meta) as tmp:
        meta["saved_parameters"] = save_delta(model, tmp / WEIGHTS, save_keys)
        (tmp / "train_log.json").write_text(json.dumps(result.dev_history, indent=2))


def _train_phase(job, ctx, build_model, entries, phase, settings, tokenizer, tracker):
    """One training run at ``phase.learning_rate``, or one per ``phase.learning_rates`` (the best
    on dev kept); returns the model, its inherited keys, runtime options, result and selection."""
    seed = job.payload["seed"]

    def fresh():
        """A candidate: the assembled model, its inherited keys and the runtime options chosen."""
        model, inherited = build_model()
        return model, inherited, prepare_encoder(model, ctx)

    def run(candidate, run_settings: TrainSettings, on_tracker=tracker):
        model, _, chosen = candidate
        runnable = torch.compile(model, dynamic=False) if chosen["compile"] else model
        return train(
            runnable, entries, run_settings, ctx.runtime, seed, tokenizer,
            on_step=_progress(ctx, job.key), tracker=on_tracker,
        )  # fmt: skip

    if not phase.learning_rates:
        candidate = fresh()
        return *candidate, run(candidate, settings), None
    selection = select_learning_rate(
        fresh,
        lambda candidate, run_settings: run(candidate, run_settings, _RatePrefixed(tracker, run_settings)),
        settings,
        phase.learning_rates,
    )
    return *selection.model, selection.result, selection


class _RatePrefixed:
    """A tracker view that files one candidate's curves under ``lr=<rate>/`` (runs share steps)."""

    def __init__(self, tracker, settings: TrainSettings) -> None:
        self.tracker, self.prefix = tracker, f"lr={settings.learning_rate:g}/"

    def log(self, step: int, metrics) -> None:
        self.tracker.log(step, {self.prefix + name: value for name, value in metrics.items()})


def _final_metrics(result) -> dict[str, float]:
    """What a finished phase reports once: best dev scores, final loss, throughput."""
    return {
        "final/loss": result.final_loss,
        "final/best_step": result.best_step,
        "final/examples_per_s": result.examples_per_s,
        "final/wall_s": result.wall_s,
        **{f"final/best_dev/{name}": value for name, value in result.best_dev.items()},
    }


def run_intermediate(job, ctx: RunContext) -> None:
    payload = job.payload
    phase = PhaseConfig(**payload["phase"])
    seed = payload["seed"]
    tokenizer = ctx.tokenizer(payload["model"])
    every = [(get_task(m["task"]), m["language"]) for m in payload["members"]]
    # A masked-LM member (the MLM control) trains the MLM head on its texts; the rest train heads.
    members = [(spec, lang) for spec, lang in every if get_task_type(spec.task_type).training == "head"]
    masked = [(spec, lang) for spec, lang in every if get_task_type(spec.task_type).training == "mlm"]
    # Read all training data first: an open label set is the union over every member's data.
    train_data = {
        (spec.name, lang): read_examples(
            spec, spec.data_root(ctx.config.data_dir), "train", lang, phase.max_train_examples, seed
        )
        for spec, lang in every
    }
    labels: dict[str, LabelMap | None] = {}
    for spec, _ in members:
        if spec.name not in labels:
            pooled = [e for (name, _), ex in train_data.items() if name == spec.name for e in ex]
            labels[spec.name] = LabelMap.for_task(spec, pooled)
    entries = [
        _entry(
            ctx, spec, spec, lang, phase, seed, tokenizer, labels[spec.name], train_data[(spec.name, lang)]
        )
        for spec, lang in members
    ]
    entries += [
        _mlm_entry(f"{spec.name}:{lang}", [e["text"] for e in train_data[(spec.name, lang)]], lang,
                   phase.max_length, tokenizer)
        for spec, lang in masked
    ]  # fmt: skip
    entries += _mlm_entries(ctx, phase, seed, tokenizer)
    head_specs = {spec.name: _head_spec(spec, labels[spec.name], phase) for spec, _ in members}
    with_mlm = phase.mlm is not None or bool(masked)

    def build_model():
        seed_everything(seed)  # fresh heads must not depend on what ran earlier in this process
        model, _ = assemble(
            payload["model"], head_specs, with_mlm=with_mlm, share_input_embeddings=_embeddings_stay_put(ctx)
        )
        return model, set()

    meta = {"model": payload["model"], "members": payload["members"], "seed": seed}
    _train_and_save(job, ctx, build_model, entries, phase, tokenizer, head_specs, labels, meta)


def run_finetune(job, ctx: RunContext) -> None:
    payload = job.payload
    phase = PhaseConfig(**payload["phase"])
    seed = payload["seed"]
    tokenizer = ctx.tokenizer(payload["model"])
    spec = get_task(payload["target"])
    root = spec.data_root(ctx.config.data_dir)
    train_examples = read_examples(spec, root, "train", "en", phase.max_train_examples, seed)
    labels = LabelMap.for_task(spec, train_examples)
    entry = _entry(ctx, spec, spec, "en", phase, seed, tokenizer, labels, train_examples)
    head_specs = {spec.name: _head_spec(spec, labels, phase)}
    parent = payload["parent"]
    parent_dir = ctx.cache.path(parent["kind"], parent["key"]) if parent else None

    def build_model():
        seed_everything(seed)
        return assemble(
            payload["model"], head_specs, parent_dir, share_input_embeddings=_embeddings_stay_put(ctx)
        )

    meta = {
        "model": payload["model"],
        "target": spec.name,
        "parent": parent,
        "seed": seed,
        "train_task": spec.name,
    }
    _train_and_save(job, ctx, build_model, [entry], phase, tokenizer, head_specs, {spec.name: labels}, meta)
