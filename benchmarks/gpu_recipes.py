"""The training recipes the GPU benchmark compares, run on synthetic XLM-R-shaped work.

Three recipes, each timed on the same synthetic examples:

- ``paper``: the paper's toolkit (jiant, Phang et al. 2020): fp32, 4 examples per batch, every
  example padded to 256 pieces (span QA: to its 384-piece window), and a per-parameter AdamW loop
  (``transformers.AdamW`` of 2020 had neither foreach nor fused kernels).
- ``trainer``: the Hugging Face Trainer defaults with the example scripts' padding (``run_xnli.py``
  pads to ``max_seq_length=128``, ``run_qa.py`` to 384): fp32, 8 examples per batch, and the
  Trainer's current default optimiser, fused AdamW (``adamw_torch_fused`` with torch >= 2.8).
- ``xstilts``: the engine itself: :func:`xstilts.training.trainer.train` on a ``MultiTaskModel``
  with bf16 autocast (chosen by ``choose_runtime``), fused AdamW from ``build_optimizers`` on CUDA,
  and ``BatchPlan`` batches of up to ``max_tokens`` padded tokens from length-sorted pools, padded
  to a multiple of 8 (measured best on an H200: exact padding churns shapes, 32 wastes tokens).

Both baselines are plain-PyTorch loops over Hugging Face's own task models (the models both
toolkits train), with gradient clipping at 1.0 and a linear schedule, as both do. Learning rates
do not change throughput and are fixed at typical values.
"""

from __future__ import annotations

import contextlib
import copy
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from xstilts.engine.batching import BatchPlan, round_up
from xstilts.engine.precision import RuntimeChoice
from xstilts.models.heads import HeadSpec
from xstilts.models.multitask import MultiTaskModel
from xstilts.training.optim import configure_embeddings
from xstilts.training.trainer import TrainEntry, TrainSettings, train

# XNLI/MNLI premise+hypothesis pairs in XLM-R pieces: right-skewed around a median of ~36 pieces.
# A log-normal with median 36 and sigma 0.45 has mean ~40, 95th percentile ~76 and 99th ~103,
# clipped to [6, 256] (256 is the longest any recipe keeps).
PAIR_MEDIAN, PAIR_SIGMA, PAIR_CLIP = 36.0, 0.45, (6, 256)
# Span QA features are SQuAD-style 384-piece windows (stride 128); long contexts fill nearly every
# window, so 90% are full and the rest (last windows, short contexts) uniform in [160, 384).
# This is the worst case for memory and the best case for the fixed-padding baselines.
QA_WINDOW, QA_FULL_SHARE, QA_SHORTEST = 384, 0.9, 160
FIRST_TOKEN_ID, PAD_ID = 0, 1  # XLM-R's <s> and <pad>
PAIR_LABELS = 3


@dataclass(frozen=True)
class Workload:
    name: str  # "pair" or "qa"
    task_type: str  # xstilts TaskType value of the head
    n_examples: int  # synthetic training set size (the engine cycles epochs over it)
    description: str


def workloads(tiny: bool) -> dict[str, Workload]:
    scale = 16 if tiny else 1
    return {
        "pair": Workload(
            "pair",
            "pair_classification",
            65_536 // scale,
            f"pair classification, XNLI-like lengths: log-normal median {PAIR_MEDIAN:.0f} pieces, "
            f"sigma {PAIR_SIGMA}, clipped to [{PAIR_CLIP[0]}, {PAIR_CLIP[1]}]",
        ),
        "qa": Workload(
            "qa",
            "span_qa",
            4096 // scale,
            f"span QA, {QA_WINDOW}-piece windows: {QA_FULL_SHARE:.0%} full, the rest uniform in "
            f"[{QA_SHORTEST}, {QA_WINDOW})",
        ),
    }


@dataclass
class SyntheticData:
    """Token ids and labels of one workload, shared by every recipe that runs it."""

    workload: Workload
    input_ids: list[list[int]]
    labels: list[int]  # pair: class; qa: start position
    ends: list[int]  # qa: end position (pair: unused)

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def sample_lengths(workload: Workload, n: int, rng: np.random.Generator) -> np.ndarray:
    if workload.name == "pair":
        raw = rng.lognormal(np.log(PAIR_MEDIAN), PAIR_SIGMA, size=n)
        return np.clip(np.rint(raw), *PAIR_CLIP).astype(np.int64)
    short = rng.integers(QA_SHORTEST, QA_WINDOW, size=n)
    return np.where(rng.random(n) < QA_FULL_SHARE, QA_WINDOW, short).astype(np.int64)


def make_data(workload: Workload, vocab_size: int, seed: int) -> SyntheticData:
    rng = np.random.default_rng(seed)
    lengths = sample_lengths(workload, workload.n_examples, rng)
    flat = rng.integers(3, vocab_size, size=int(lengths.sum())).tolist()  # skip <s>, <pad>, </s>
    input_ids, start = [], 0
    for length in lengths.tolist():
        piece = flat[start : start + length]
        piece[0] = FIRST_TOKEN_ID
        input_ids.append(piece)
        start += length
    if workload.name == "pair":
        labels = rng.integers(0, PAIR_LABELS, size=len(lengths)).tolist()
        ends = [0] * len(lengths)
    else:
        labels = [int(rng.integers(0, n)) for n in lengths.tolist()]
        ends = [
            min(s + int(rng.integers(0, 30)), n - 1) for s, n in zip(labels, lengths.tolist(), strict=True)
        ]
    return SyntheticData(workload, input_ids, labels, ends)


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    engine: bool  # True: xstilts' trainer; False: fixed-shape plain-PyTorch loop
    batch_size: int  # fixed batch (baselines) or the cap on examples per batch (engine)
    pad_to: int | None = None  # baselines: every example padded/truncated to this length
    optimizer: str = "fused"  # "fused", "loop" (per-parameter AdamW) or the engine's "build_optimizers"
    max_tokens: int | None = None  # engine: padded-token budget per batch
    pad_multiple: int = 8  # engine: padded length rounded up to this multiple (the engine's default)
    embedding_mode: str = "full"
    gradient_checkpointing: bool = False
    compile: bool = False
    variant_of: str | None = None  # variants are compared with the recipe they modify

    def settings(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("name", "description")}


def main_recipes(workload: Workload, max_tokens: int) -> list[Recipe]:
    qa = workload.name == "qa"
    paper_pad, trainer_pad = (QA_WINDOW, QA_WINDOW) if qa else (256, 128)
    return [
        Recipe("paper", f"jiant (paper): fp32, batch 4, padded to {paper_pad}, per-parameter AdamW", False, 4,
               pad_to=paper_pad, optimizer="loop"),
        Recipe("trainer", f"HF Trainer defaults: fp32, batch 8, padded to {trainer_pad} "
               f"({'run_qa' if qa else 'run_xnli'}), fused AdamW", False, 8, pad_to=trainer_pad),
        Recipe("xstilts", f"xstilts engine defaults on CUDA: bf16 autocast, fused AdamW, {max_tokens}-token "
               "batches from length-sorted pools, padded to a multiple of 8, embedding matrix frozen", True, 512,
               optimizer="build_optimizers", max_tokens=max_tokens, embedding_mode="frozen"),
    ]  # fmt: skip


def variant_recipes(workload: Workload, max_tokens: int, with_compile: bool) -> list[Recipe]:
    """Cheap what-ifs around the xstilts recipe, in the order they are worth the GPU time."""
    base = replace(main_recipes(workload, max_tokens)[-1], variant_of="xstilts")
    changes = {
        "pair": [
            (
                "xstilts-exact-pad",
                "exact per-batch padding (pad_multiple=1): shape churn",
                {"pad_multiple": 1},
            ),
            ("xstilts-pad32", "padded lengths rounded to a multiple of 32", {"pad_multiple": 32}),
            (
                "xstilts-2x-budget",
                f"a {2 * max_tokens}-token budget (half the optimizer steps per token)",
                {"max_tokens": 2 * max_tokens, "batch_size": 2 * base.batch_size},
            ),
            (
                "xstilts-full-emb",
                "the embedding matrix trained too (the same parameters as the baselines train)",
                {"embedding_mode": "full"},
            ),
        ],
        "qa": [
            ("xstilts-ckpt", "gradient checkpointing (memory for compute)", {"gradient_checkpointing": True})
        ],
    }[workload.name]
    if with_compile:
        changes.append(
            ("xstilts-compile", "torch.compile(encoder, dynamic=False) on bucketed shapes", {"compile": True})
        )
    return [
        replace(base, name=name, description=f"xstilts with {what}", **change)
        for name, what, change in changes
    ]


@dataclass
class Builders:
    """Fresh models per recipe, so optimizer state and memory peaks never carry over."""

    config: object
    model_path: Path | None
    device: str

    def encoder(self) -> torch.nn.Module:
        if self.model_path:
            from xstilts.models.loading import load_encoder

            return load_encoder(str(self.model_path))
        from transformers import XLMRobertaModel

        with torch.device(self.device):  # initialise on the device: seconds, not minutes, for Large
            return XLMRobertaModel(self.config, add_pooling_layer=False)

    def task_model(self, workload: Workload) -> torch.nn.Module:
        from transformers import XLMRobertaForQuestionAnswering, XLMRobertaForSequenceClassification

        pair = workload.name == "pair"
        cls = XLMRobertaForSequenceClassification if pair else XLMRobertaForQuestionAnswering
        labels = 3 if pair else 2  # QA: start and end logits
        if self.model_path:
            return cls.from_pretrained(str(self.model_path), num_labels=labels, local_files_only=True)
        config = copy.deepcopy(self.config)
        config.num_labels = labels
        with torch.device(self.device):
            return cls(config)


class BudgetSpent(Exception):
    """Raised from the trainer's step callback to end a timed run."""


@dataclass
class StepClock:
    """Warm-up, then timed steps, within a wall-clock budget.

    The device is synchronised only at the two boundaries (end of warm-up, end of run), so the
    timed region holds whole steps and no extra stalls.
    """

    budget_s: float
    sync: Callable[[], None]
    warmup_share: float = 0.2
    min_warmup_steps: int = 3
    min_timed_steps: int = 3
    started: float = 0.0
    timed_from: float | None = None
    warmup_steps: int = 0
    seconds: float = 0.0
    counts: list[tuple[int, int, int, int]] = field(default_factory=list)  # examples, real, padded, width

    def start(self) -> None:
        self.started = time.perf_counter()

    def step_done(self, examples: int, real: int, padded: int, width: int) -> bool:
        """Record a finished step; True once the budget is spent."""
        now = time.perf_counter()
        if self.timed_from is None:
            self.warmup_steps += 1
            warm = now - self.started >= self.warmup_share * self.budget_s
            if warm and self.warmup_steps >= self.min_warmup_steps:
                self.sync()
                self.timed_from = time.perf_counter()
            return False
        self.counts.append((examples, real, padded, width))
        if now - self.started >= self.budget_s and len(self.counts) >= self.min_timed_steps:
            self.sync()
            self.seconds = time.perf_counter() - self.timed_from
            return True
        return False

    @property
    def warmup_s(self) -> float:
        return (self.timed_from or self.started) - self.started


class RecordingFeatures:
    """The slice of an Arrow dataset the trainer uses, recording what each batch holds.

    ``train()`` reads ``len()``, the ``input_ids`` column and row slices ``[indices]``; every
    slice is one training batch, so recording slices gives exact per-step example and token
    counts without touching the engine.
    """

    def __init__(self, data: SyntheticData, pad_multiple: int) -> None:
        self.data = data
        self.pad_multiple = pad_multiple
        self.batches: list[tuple[int, int, int, int]] = []

    def __len__(self) -> int:
        return len(self.data.input_ids)

    def __getitem__(self, key):
        if key == "input_ids":
            return self.data.input_ids
        rows = [self.data.input_ids[i] for i in key]
        width = round_up(max(len(r) for r in rows), self.pad_multiple)
        self.batches.append((len(rows), sum(len(r) for r in rows), width * len(rows), width))
        out: dict[str, list] = {"input_ids": rows}
        if self.data.workload.name == "pair":
            out["label"] = [self.data.labels[i] for i in key]
        else:
            out["start_position"] = [self.data.labels[i] for i in key]
            out["end_position"] = [self.data.ends[i] for i in key]
        return out


def run_engine(
    recipe: Recipe,
    data: SyntheticData,
    build_encoder: Callable[[], torch.nn.Module],
    runtime: RuntimeChoice,
    clock: StepClock,
) -> None:
    """Time xstilts' own training loop (``train``) on the synthetic data."""
    encoder = build_encoder()
    head = HeadSpec(data.workload.task_type, num_labels=PAIR_LABELS, pooling="first")
    model = MultiTaskModel(encoder, {data.workload.name: head})
    configure_embeddings(model.encoder, recipe.embedding_mode)  # type: ignore[arg-type]
    if recipe.gradient_checkpointing:  # renamed in transformers 5.2x; older 5.x only has the old name
        enable = getattr(model.encoder, "activation_checkpointing_enable", None)
        (enable or model.encoder.gradient_checkpointing_enable)()
    model.to(runtime.device)
    if recipe.compile:
        model.encoder = torch.compile(model.encoder, dynamic=False)
    features = RecordingFeatures(data, recipe.pad_multiple)
    entry = TrainEntry(name=data.workload.name, head=data.workload.name, spec=None, train=features)
    settings = TrainSettings(
        learning_rate=1e-5,
        max_steps=10**9,  # the clock ends the run
        eval_every=0,
        embedding_mode=recipe.embedding_mode,
        fused_optimizer=runtime.device == "cuda",  # the engine's "auto"
        plan=BatchPlan(
            batch_size=recipe.batch_size, max_tokens=recipe.max_tokens, pad_multiple=recipe.pad_multiple
        ),
    )
    tokenizer = SimpleNamespace(pad_token_id=PAD_ID, all_special_ids=[0, 1, 2], mask_token_id=3)

    def on_step(step: int, _total: int, _loss: float) -> None:
        if clock.step_done(*features.batches[step - 1]):
            raise BudgetSpent

    clock.start()
    with contextlib.suppress(BudgetSpent):
        train(model, [entry], settings, runtime, seed=0, tokenizer=tokenizer, on_step=on_step)


def fixed_batches(data: SyntheticData, recipe: Recipe, count: int) -> list[dict[str, torch.Tensor]]:
    """``count`` batches of the recipe's fixed shape, from the workload's first examples."""
    assert recipe.pad_to is not None
    out = []
    for b in range(count):
        rows = range(b * recipe.batch_size, (b + 1) * recipe.batch_size)
        ids = torch.full((recipe.batch_size, recipe.pad_to), PAD_ID, dtype=torch.long)
        mask = torch.zeros_like(ids)
        starts, ends = [], []
        for r, i in enumerate(rows):
            seq = data.input_ids[i % len(data.input_ids)][: recipe.pad_to]
            ids[r, : len(seq)] = torch.tensor(seq)
            mask[r, : len(seq)] = 1
            starts.append(min(data.labels[i % len(data.labels)], len(seq) - 1))
            ends.append(min(data.ends[i % len(data.ends)], len(seq) - 1))
        batch = {"input_ids": ids, "attention_mask": mask}
        if data.workload.name == "pair":
            batch["labels"] = torch.tensor(starts) % PAIR_LABELS
        else:
            batch["start_positions"], batch["end_positions"] = torch.tensor(starts), torch.tensor(ends)
        out.append(batch)
    return out


def run_fixed(
    recipe: Recipe,
    data: SyntheticData,
    build_task_model: Callable[[], torch.nn.Module],
    device: str,
    clock: StepClock,
) -> None:
    """Time a fixed-shape fp32 baseline: a Hugging Face task model and a textbook loop."""
    model = build_task_model().to(device).train()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "norm" not in n.lower()]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "norm" not in n.lower())]
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    kind = {"fused": True} if recipe.optimizer == "fused" else {"foreach": False}
    optimizer = torch.optim.AdamW(groups, lr=1e-5, **kind)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1.0 - step / 1e6))
    host_batches = fixed_batches(data, recipe, 16)
    clock.start()
    rng = random.Random(0)
    done = False
    while not done:
        host = host_batches[rng.randrange(len(host_batches))]
        batch = {k: v.to(device) for k, v in host.items()}
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        real = int(host["attention_mask"].sum())
        done = clock.step_done(recipe.batch_size, real, host["input_ids"].numel(), recipe.pad_to or 0)
