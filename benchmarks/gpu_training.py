"""The training recipes the GPU benchmark compares, and how each one is timed.

Three recipes, each timed on the same synthetic examples (``synthpair`` / ``synthqa``, see
:mod:`benchmarks.synthetic`), tokenised once by :func:`xstilts.api.featurize`:

- ``paper``: the paper's toolkit (jiant, Phang et al. 2020): fp32, 4 examples per batch, every
  example padded to 256 pieces (span QA: to its 384-piece window), and a per-parameter AdamW loop
  (``transformers.AdamW`` of 2020 had neither foreach nor fused kernels).
- ``trainer``: the Hugging Face Trainer defaults with the example scripts' padding (``run_xnli.py``
  pads to ``max_seq_length=128``, ``run_qa.py`` to 384): fp32, 8 examples per batch, and the
  Trainer's current default optimiser, fused AdamW (``adamw_torch_fused`` with torch >= 2.8).
- ``xstilts``: the public API, as a user calls it: :func:`xstilts.api.load_model` (the encoder, a
  fresh head, the embedding mode), :func:`xstilts.api.fit` with bf16 autocast (chosen by
  ``choose_runtime``), fused AdamW on CUDA and ``BatchPlan`` batches of up to ``max_tokens``
  padded tokens from length-sorted pools, padded to a multiple of 8 (measured best on an H200:
  exact padding churns shapes, 32 wastes tokens); afterwards :func:`xstilts.api.predict` and
  :func:`xstilts.api.score` on held-out examples prove the trained model evaluates (labels are
  random: chance level is the expected score).

Both baselines are plain-PyTorch loops over Hugging Face's own task models (the models both
toolkits train), with gradient clipping at 1.0 and a linear schedule, as both do. Learning rates
do not change throughput and are fixed at typical values. A *recipe* here means what it means in
every benchmark: one named way to train, compared with the others on the same workload.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from benchmarks.synthetic import FIRST_WORD_ID, QA_WINDOW, gpu_word
from benchmarks.workload import Workload

# XLM-R Large's shape (xlm-roberta-large config.json), a CPU-sized one, and the test's tiny one.
SHAPE_KEYS = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size")
SIZES = {
    "large": (24, 1024, 16, 4096, 250002),
    "small": (4, 256, 4, 1024, 250002),
    "tiny": (2, 64, 2, 128, 1000),
}
MAX_TOKENS = {"large": 16384, "small": 4096, "tiny": 2048}
PAD_ID = 1  # XLM-R's <pad>
PAIR_LABELS = 3


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    engine: bool  # True: xstilts (the public API); False: fixed-shape plain-PyTorch loop
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


def main_recipes(kind: str, max_tokens: int) -> list[Recipe]:
    """The paper's, the Trainer's and xstilts' recipe for workload ``kind`` ("pair" or "qa")."""
    qa = kind == "qa"
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


def variant_recipes(kind: str, max_tokens: int, with_compile: bool) -> list[Recipe]:
    """Cheap what-ifs around the xstilts recipe, in the order they are worth the GPU time."""
    base = replace(main_recipes(kind, max_tokens)[-1], variant_of="xstilts")
    changes = {
        "pair": [
            ("xstilts-exact-pad", "exact per-batch padding (pad_multiple=1): shape churn", {"pad_multiple": 1}),
            ("xstilts-pad32", "padded lengths rounded to a multiple of 32", {"pad_multiple": 32}),
            ("xstilts-2x-budget", f"a {2 * max_tokens}-token budget (half the optimizer steps per token)",
             {"max_tokens": 2 * max_tokens, "batch_size": 2 * base.batch_size}),
            ("xstilts-full-emb", "the embedding matrix trained too (the same parameters as the baselines train)",
             {"embedding_mode": "full"}),
        ],
        "qa": [("xstilts-ckpt", "gradient checkpointing (memory for compute)", {"gradient_checkpointing": True})],
    }[kind]  # fmt: skip
    if with_compile:
        changes.append(
            ("xstilts-compile", "torch.compile(encoder, dynamic=False) on bucketed shapes", {"compile": True})
        )
    return [
        replace(base, name=name, description=f"xstilts with {what}", **change)
        for name, what, change in changes
    ]


# --- the model: an XLM-R-shaped folder that xstilts.api.load_model reads -------------------------


def model_config(shape: str, source: Path | None):
    """The XLM-R config of ``shape``, or the config of the model folder ``source``."""
    from transformers import AutoConfig, XLMRobertaConfig

    if source is not None:
        return AutoConfig.from_pretrained(str(source), local_files_only=True)
    return XLMRobertaConfig(
        **dict(zip(SHAPE_KEYS, SIZES[shape], strict=True)),
        max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
        pad_token_id=PAD_ID, bos_token_id=0, eos_token_id=2,
    )  # fmt: skip


def save_word_tokenizer(folder: Path, vocab_size: int) -> None:
    """XLM-R's special tokens at ids 0-3 and ``<mask>`` last, every other id one whitespace word:
    the synthetic examples' lengths in words are then their lengths in pieces."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<s>": 0, "<pad>": PAD_ID, "</s>": 2, "<unk>": 3}
    vocab.update({gpu_word(i): i for i in range(FIRST_WORD_ID, vocab_size - 1)})
    vocab["<mask>"] = vocab_size - 1
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        mask_token="<mask>", cls_token="<s>", sep_token="</s>", model_max_length=512,
    ).save_pretrained(folder)  # fmt: skip


def write_model_folder(folder: Path, config, device: str, source: Path | None, seed: int = 0) -> Path:
    """A model folder for ``api.load_model``: ``config``, the word tokenizer, and the weights of
    ``source`` (linked) or random ones (throughput does not depend on the weights)."""
    from transformers import XLMRobertaModel

    stamp = folder / "gpu-model.json"
    identity = {"config": config.to_dict(), "source": str(source) if source else None, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == identity:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    save_word_tokenizer(folder, config.vocab_size)
    if source is not None:
        config.save_pretrained(folder)
        for weights in [*source.glob("*.safetensors"), *source.glob("*.bin"), *source.glob("*.index.json")]:
            link = folder / weights.name
            link.unlink(missing_ok=True)
            link.symlink_to(weights.resolve())
    else:
        torch.manual_seed(seed)
        with torch.device(device):  # initialise on the device: seconds, not minutes, for Large
            XLMRobertaModel(config, add_pooling_layer=False).save_pretrained(folder)
    stamp.write_text(json.dumps(identity, default=str), encoding="utf-8")
    return folder


def baseline_model(config, source: Path | None, device: str, kind: str) -> torch.nn.Module:
    """Hugging Face's own task model for the baselines (random unless ``source`` has weights)."""
    from transformers import XLMRobertaForQuestionAnswering, XLMRobertaForSequenceClassification

    pair = kind == "pair"
    cls = XLMRobertaForSequenceClassification if pair else XLMRobertaForQuestionAnswering
    labels = PAIR_LABELS if pair else 2  # QA: start and end logits
    if source is not None:
        return cls.from_pretrained(str(source), num_labels=labels, local_files_only=True)
    config = copy.deepcopy(config)
    config.num_labels = labels
    with torch.device(device):
        return cls(config)


# --- the data every recipe of a workload trains on -----------------------------------------------


@dataclass
class RecipeData:
    """One workload's examples, featurised once by ``api.featurize``, shared by every recipe."""

    kind: str  # "pair" or "qa"
    workload: Workload
    train: Any  # api.Features of the training examples (what api.fit trains the xstilts recipes on)
    dev: Any  # api.Features of held-out examples (what api.predict and api.score check)
    input_ids: list[list[int]] = field(default_factory=list)  # the same features, for the baselines
    labels: list[int] = field(default_factory=list)  # pair: class; qa: start position
    ends: list[int] = field(default_factory=list)  # qa: end position (pair: unused)

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def featurise_workloads(folder: Path, workloads: dict[str, Workload]) -> dict[str, RecipeData]:
    """Read and featurise every workload with the model folder's tokenizer, on the CPU.

    The model loaded here also fills xstilts' in-memory encoder cache, so the xstilts recipes
    later copy it instead of reading the weights again.
    """
    from xstilts import api

    specs = [w.target for w in workloads.values()]
    on_cpu = api.choose_runtime("fp32", "cpu", torch.get_num_threads())  # keep the run's thread count
    model = api.load_model(folder, heads=specs, runtime=on_cpu)
    out = {}
    for kind, workload in workloads.items():
        spec = workload.target
        train = api.featurize(model, spec, workload.examples(spec, "train", "en"))
        dev = api.featurize(model, spec, workload.examples(spec, spec.dev_split, "en"))
        columns = train.dataset.to_dict()
        data = RecipeData(kind, workload, train, dev, columns["input_ids"])
        if kind == "pair":
            data.labels, data.ends = columns["label"], [0] * len(data.input_ids)
        else:
            data.labels, data.ends = columns["start_position"], columns["end_position"]
        out[kind] = data
    del model
    return out


# --- timing --------------------------------------------------------------------------------------


class BudgetSpent(Exception):
    """Raised from the training step callback to end a timed run."""


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
    counts: list[tuple[int, Any, int, int]] = field(default_factory=list)  # examples, real, padded, width

    def start(self) -> None:
        self.started = time.perf_counter()

    def step_done(self, examples: int, real: Any, padded: int, width: int) -> bool:
        """Record a finished step; True once the budget is spent. ``real`` may be a device
        tensor (read back only after the run, see :meth:`resolve`)."""
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

    def resolve(self) -> None:
        """Turn device-side real-token counts into ints, once the timed region is over."""
        self.counts = [(e, int(r), p, w) for e, r, p, w in self.counts]

    @property
    def warmup_s(self) -> float:
        return (self.timed_from or self.started) - self.started


class BatchCounter:
    """Forward pre-hook on the encoder: the shape and real tokens of every training batch.

    It counts what reached the model, as the CPU benchmarks' ``WorkCounter`` does for the
    ``Trainer``; the real-token sum stays on the device (no per-step synchronisation).
    """

    def __init__(self) -> None:
        self.batches: list[tuple[int, Any, int, int]] = []

    def __call__(self, module, args, kwargs) -> None:
        if module.training:
            mask = kwargs["attention_mask"]
            self.batches.append((int(mask.shape[0]), mask.sum(), int(mask.numel()), int(mask.shape[1])))


def run_engine(recipe: Recipe, data: RecipeData, folder: Path, runtime, clock: StepClock) -> dict[str, Any]:
    """Time xstilts through its public API; the held-out check scores of the trained model."""
    from xstilts import api

    spec = data.workload.target
    model = api.load_model(
        folder, heads=[spec], runtime=runtime, pooling="first", embedding_mode=recipe.embedding_mode,
        gradient_checkpointing=recipe.gradient_checkpointing, compile_encoder=recipe.compile, seed=0,
    )  # fmt: skip
    settings = api.TrainSettings(
        learning_rate=1e-5,
        max_steps=10**9,  # the clock ends the run
        eval_every=0,
        embedding_mode=recipe.embedding_mode,
        fused_optimizer=runtime.device == "cuda",  # the engine's "auto"
        plan=api.BatchPlan(
            batch_size=recipe.batch_size, max_tokens=recipe.max_tokens, pad_multiple=recipe.pad_multiple
        ),
    )
    counter = BatchCounter()
    hook = model.network.encoder.register_forward_pre_hook(counter, with_kwargs=True)

    def on_step(step: int, _total: int, _loss: float) -> None:
        if clock.step_done(*counter.batches[step - 1]):
            raise BudgetSpent

    clock.start()
    with contextlib.suppress(BudgetSpent):
        api.fit(model, {(spec.name, "en"): data.train}, settings, seed=0, on_step=on_step)
    hook.remove()
    clock.resolve()
    predictions = api.predict(model, spec, data.dev)
    scores = api.score(spec, predictions, data.dev.examples)
    return {"check_examples": len(predictions), "check_metric": spec.main_metric,
            "check_score": scores[spec.main_metric]}  # fmt: skip


def fixed_batches(data: RecipeData, recipe: Recipe, count: int) -> list[dict[str, torch.Tensor]]:
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
        if data.kind == "pair":
            batch["labels"] = torch.tensor(starts) % PAIR_LABELS
        else:
            batch["start_positions"], batch["end_positions"] = torch.tensor(starts), torch.tensor(ends)
        out.append(batch)
    return out


def run_fixed(
    recipe: Recipe, data: RecipeData, build_task_model: Callable[[], torch.nn.Module], device: str,
    clock: StepClock,
) -> None:  # fmt: skip
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
