"""The training loop: single- or multi-task, with HF Accelerate for devices and DDP.

Kept as readable as accelerate's ``nlp_example.py``: sample a task, take its next length-bucketed
batch, forward/backward under autocast, step, and every ``eval_every`` steps score the dev sets
(English dev for target tasks; the source language's dev for intermediate tasks), keeping the
best weights in memory. Early stopping ends the phase after ``patience`` evaluations without
improvement; the best weights are restored at the end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from xstilts.engine.batching import BatchPlan, collate, feature_lengths, infinite_batches
from xstilts.engine.features import LabelMap
from xstilts.engine.precision import RuntimeChoice, autocast
from xstilts.models.multitask import MLM_HEAD, MultiTaskModel
from xstilts.tasks.spec import TaskSpec
from xstilts.tasks.types import Column, get_task_type
from xstilts.training.mlm import mask_tokens
from xstilts.training.optim import build_optimizers, linear_schedule
from xstilts.training.sampling import TaskSampler, task_probabilities
from xstilts.training.tracking import Tracker

LOG_EVERY = 10  # default steps between reading the loss back from the device (a sync on GPUs)


@dataclass
class TrainEntry:
    """One source of training batches: a task in one language (or MLM text)."""

    name: str  # sampling key, e.g. "msgkind:ja"
    head: str  # head it trains (tasks in several languages share one head)
    spec: TaskSpec | None  # None for MLM text
    train: Any  # Arrow dataset of features
    dev: Any = None
    dev_examples: list[dict] | None = None
    labels: LabelMap | None = None
    language: str = "en"


@dataclass
class TrainSettings:
    learning_rate: float = 3e-5
    head_learning_rate: float | None = None
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_steps: int = 200
    grad_accumulation: int = 1
    max_grad_norm: float = 1.0
    eval_every: int = 50
    patience: int = 0  # evaluations without improvement before stopping; 0 = never stop early
    sampling: str = "proportional"
    temperature: float = 2.0
    cap: int = 20_000
    embedding_mode: str = "frozen"
    fused_optimizer: bool = False
    plan: BatchPlan = field(default_factory=BatchPlan)
    eval_plan: BatchPlan = field(default_factory=lambda: BatchPlan(batch_size=256))
    mlm_probability: float = 0.15
    log_every: int = LOG_EVERY  # steps between logged points (loss, lr, grad norm, throughput)


@dataclass
class TrainResult:
    steps: int
    examples_seen: int
    real_tokens: int
    padded_tokens: int
    wall_s: float
    best_step: int
    best_dev: dict[str, float]
    dev_history: list[dict[str, Any]]
    final_loss: float
    stopped_early: bool

    @property
    def examples_per_s(self) -> float:
        return self.examples_seen / self.wall_s if self.wall_s else 0.0


def dev_scores(
    model, entries: list[TrainEntry], settings: TrainSettings, runtime, pad_id: int
) -> dict[str, float]:
    """Main metric of each entry with a dev set (keyed by entry name)."""
    from xstilts.engine.predict import predict, score

    out = {}
    for entry in entries:
        if entry.dev is None or entry.spec is None:
            continue
        predictions = predict(
            model,
            entry.head,
            entry.spec,
            entry.dev,
            entry.dev_examples,
            entry.labels,
            settings.eval_plan,
            runtime,
            pad_id,
        )
        out[entry.name] = score(entry.spec, predictions, entry.dev_examples, entry.language)[
            entry.spec.main_metric
        ]
    return out


def train(
    model: MultiTaskModel,
    entries: list[TrainEntry],
    settings: TrainSettings,
    runtime: RuntimeChoice,
    seed: int,
    tokenizer,
    accelerator=None,
    on_step: Callable[[int, int, float], None] | None = None,
    tracker: Tracker | None = None,
) -> TrainResult:
    """Train ``model`` on ``entries`` for ``settings.max_steps`` updates; the best dev weights win."""
    torch.manual_seed(seed)
    if accelerator is None:
        accelerator = _default_accelerator(runtime, len(entries))
    sampler = TaskSampler(
        task_probabilities(
            {e.name: len(e.train) for e in entries}, settings.sampling, settings.temperature, settings.cap
        ),
        seed,
    )
    streams = {
        e.name: infinite_batches(feature_lengths(e.train["input_ids"]), settings.plan, seed + 7919 * i)
        for i, e in enumerate(entries)
    }
    optimizers = build_optimizers(
        model,
        settings.learning_rate,
        settings.weight_decay,
        settings.embedding_mode,
        settings.fused_optimizer,
        settings.head_learning_rate,
    )
    total_updates = max(1, settings.max_steps)
    schedulers = [
        linear_schedule(opt, int(settings.warmup_ratio * total_updates), total_updates) for opt in optimizers
    ]
    model, *optimizers = accelerator.prepare(model, *optimizers)
    core = accelerator.unwrap_model(model)
    loop = _Loop(
        model, core, entries, settings, runtime, tokenizer, accelerator, sampler, streams, seed, tracker
    )
    step = 0
    model.train()
    for step in range(1, settings.max_steps + 1):
        loop.accumulate()
        loop.update(step, optimizers, schedulers)
        if on_step:
            on_step(step, settings.max_steps, loop.loss_value)  # the loss as of the last sync
        evaluating = settings.eval_every and (step % settings.eval_every == 0 or step == settings.max_steps)
        if evaluating and loop.evaluate(step):
            break
    return loop.result(step)


def _default_accelerator(runtime: RuntimeChoice, n_entries: int):
    """An Accelerator that leaves precision to xstilts and tolerates heads without gradients."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    # Mixed precision is applied by xstilts' own autocast (chosen per runtime): Accelerate's
    # process-wide state cannot change precision between jobs of one process.
    return Accelerator(
        mixed_precision="no",
        cpu=runtime.device == "cpu",
        # Multi-task: the heads of tasks not sampled this step get no gradient.
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=n_entries > 1)],
    )


def _batch_columns(core, head: str) -> tuple[Column, ...]:
    """The gold columns a head reads: its task type's (the MLM head, which has no spec: none)."""
    head_specs = getattr(getattr(core, "_orig_mod", core), "head_specs", {})
    spec = head_specs.get(head)
    return get_task_type(spec.task_type).columns if spec is not None else ()


class _Loop:
    """The state one training phase carries between steps: counters, last loss, best weights.

    ``train`` only sequences the steps; each method here does one part of a step, so the loop
    reads as accelerate's ``nlp_example.py`` does.
    """

    def __init__(
        self, model, core, entries, settings, runtime, tokenizer, accelerator, sampler, streams, seed, tracker
    ) -> None:
        self.model, self.core, self.entries, self.settings = model, core, entries, settings
        self.runtime, self.tokenizer, self.accelerator, self.tracker = (
            runtime,
            tokenizer,
            accelerator,
            tracker,
        )
        self.sampler, self.streams = sampler, streams
        self.by_name = {e.name: e for e in entries}
        self.columns = {e.name: _batch_columns(core, e.head) for e in entries}
        self.rank, self.world = accelerator.process_index, accelerator.num_processes
        self.pad_id = tokenizer.pad_token_id
        self.generator = torch.Generator().manual_seed(seed)
        self.special_ids = set(tokenizer.all_special_ids)
        self.vocab_size = core.encoder.get_input_embeddings().num_embeddings
        self.trainable = _trainable(core)
        self.examples = self.real = self.padded = 0
        self.best_score, self.best_step, self.best_dev, self.best_state = -math.inf, 0, {}, None
        self.history: list[dict[str, Any]] = []
        self.bad_evals, self.stopped_early, self.loss_value = 0, False, float("nan")
        self.last_loss = torch.tensor(float("nan"))
        self.start = time.perf_counter()

    def accumulate(self) -> None:
        """Forward/backward ``grad_accumulation`` micro-batches, each from a freshly sampled task."""
        accumulation = self.settings.grad_accumulation
        for micro in range(accumulation):
            entry = self.by_name[next(self.sampler)]
            batch = self._batch(entry)
            with autocast(self.runtime):
                _, loss = self.model(entry.head, batch)
            self.accelerator.backward(loss / accumulation)
            if micro == accumulation - 1:
                self.last_loss = loss.detach()

    def _batch(self, entry: TrainEntry) -> dict[str, torch.Tensor]:
        """This process's share of the entry's next global batch, masked for MLM, on the device."""
        global_indices = next(self.streams[entry.name])
        indices = global_indices
        if self.world > 1:  # every process takes its share of the same global batch
            indices = global_indices[self.rank :: self.world] or global_indices[:1]
        batch = collate(
            entry.train[indices], self.pad_id, self.settings.plan.pad_multiple, self.columns[entry.name]
        )
        if entry.head == MLM_HEAD:
            batch["input_ids"], batch["mlm_labels"] = mask_tokens(
                batch["input_ids"],
                batch["attention_mask"],
                self.special_ids,
                self.tokenizer.mask_token_id,
                self.vocab_size,
                self.generator,
                self.settings.mlm_probability,
            )
        # Count on the CPU copy: reading a GPU tensor back would stall the pipeline every step.
        # Tokens of this process's share, scaled to the global batch (exact for one process).
        self.real += int(batch["attention_mask"].sum()) * self.world
        self.padded += int(batch["attention_mask"].numel()) * self.world
        self.examples += len(global_indices)
        return {k: v.to(self.accelerator.device, non_blocking=True) for k, v in batch.items()}

    def update(self, step: int, optimizers: list, schedulers: list) -> None:
        """Clip, step every optimizer and schedule, and log a curve point on logging steps."""
        settings = self.settings
        # Step 1 is logged too, so the loss is known from the start (never "nan" on screen).
        logging = step == 1 or step % settings.log_every == 0 or step == settings.max_steps
        norm = _clip_or_measure(self.accelerator, self.model, settings.max_grad_norm, logging)
        lr = optimizers[0].param_groups[0]["lr"]  # the rate this step used (before the schedule moves)
        for opt, sched in zip(optimizers, schedulers, strict=True):
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
        if logging:
            self.loss_value = float(self.last_loss)  # the only device sync outside evaluations
            if self.tracker is not None:
                elapsed = time.perf_counter() - self.start
                self.tracker.log(
                    step, _curve_point(self.loss_value, lr, norm, self.examples, self.real, elapsed)
                )

    def evaluate(self, step: int) -> bool:
        """Score the dev sets, keep the best weights; True when early stopping ends the phase."""
        self.loss_value = float(self.last_loss)
        scores = dev_scores(self.core, self.entries, self.settings, self.runtime, self.pad_id)
        self.model.train()
        if self.tracker is not None and scores:
            self.tracker.log(step, {f"dev/{name}": value for name, value in scores.items()})
        if not scores:
            return False
        mean = sum(scores.values()) / len(scores)
        self.history.append({"step": step, "loss": self.loss_value, **scores, "mean": mean})
        if mean > self.best_score:
            self.best_score, self.best_step, self.best_dev, self.bad_evals = mean, step, scores, 0
            self.best_state = {
                k: v.detach().to("cpu", copy=True)
                for k, v in self.core.state_dict().items()
                if k in self.trainable
            }
            return False
        self.bad_evals += 1
        if self.settings.patience and self.bad_evals >= self.settings.patience:
            self.stopped_early = True
            return True
        return False

    def result(self, step: int) -> TrainResult:
        """Restore the best weights (if any evaluation ran) and summarise the phase."""
        wall = time.perf_counter() - self.start
        loss_value = float(self.last_loss)
        best_step = self.best_step
        if self.best_state is not None:
            self.core.load_state_dict(self.best_state, strict=False)
        else:
            best_step = step
        return TrainResult(
            steps=step,
            examples_seen=self.examples,
            real_tokens=self.real,
            padded_tokens=self.padded,
            wall_s=wall,
            best_step=best_step,
            best_dev=self.best_dev,
            dev_history=self.history,
            final_loss=loss_value,
            stopped_early=self.stopped_early,
        )


def _clip_or_measure(accelerator, model, max_norm: float, measure: bool) -> torch.Tensor | None:
    """Clip gradients (when configured) and return their total norm; measured only if needed."""
    grads = [p for p in model.parameters() if p.requires_grad and p.grad is not None and not p.grad.is_sparse]
    if max_norm:
        return accelerator.clip_grad_norm_(grads, max_norm)
    if measure and grads:
        return torch.nn.utils.get_total_norm([p.grad for p in grads])
    return None


def _curve_point(
    loss: float, lr: float, norm: torch.Tensor | None, examples: int, tokens: int, elapsed: float
) -> dict[str, float]:
    """One point of the training curves (rates are averages since the phase started)."""
    point = {"train/loss": loss, "train/learning_rate": lr}
    if norm is not None:
        point["train/grad_norm"] = float(norm)
    if elapsed > 0:
        point["train/examples_per_s"] = examples / elapsed
        point["train/tokens_per_s"] = tokens / elapsed
    return point


def _trainable(model: torch.nn.Module) -> set[str]:
    return {name for name, p in model.named_parameters() if p.requires_grad}
