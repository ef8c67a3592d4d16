"""The plain Hugging Face recipes that xstilts is measured against.

``plain`` is what the transformers text-classification example (``run_glue.py``) does by default:
``AutoModelForSequenceClassification`` on the same weights, the tokenizer with
``padding="max_length"`` at ``max_seq_length=128`` (``pad_to_max_length`` defaults to true),
``default_data_collator``, ``Trainer`` with its default optimiser (``adamw_torch_fused``), fp32,
every parameter trained (the 96M-row embedding matrix included), linear schedule.

``dynamic`` is the stronger recipe a careful user would write: the same, but tokenised without
padding, ``DataCollatorWithPadding`` (pad to the longest in the batch) and
``train_sampling_strategy="group_by_length"`` (``LengthGroupedSampler``; the ``group_by_length``
flag of older versions).

Both get the same batch size, learning rate, weight decay, warm-up ratio, gradient clipping and
number of steps as xstilts. A counting collator records how many examples and (real / padded)
tokens each recipe actually pushed through the model (a forward pre-hook: the Trainer collates
one batch ahead, so counting in the collator would overcount).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.common import reset_accelerate, stopwatch, throughput

VARIANTS = {
    "plain": "Trainer, padding='max_length' 128, default_data_collator, fp32, all parameters trained",
    "dynamic": "Trainer, DataCollatorWithPadding + group_by_length sampler, fp32, all parameters trained",
}


@dataclass(frozen=True)
class SharedSettings:
    """What every compared recipe shares (a *recipe* is one named way to train: xstilts' or a
    baseline's; these are the settings they must not differ in)."""

    steps: int
    batch_size: int
    learning_rate: float
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    max_length: int = 128
    seed: int = 1


class WorkCounter:
    """Forward pre-hook counting the examples, real (attention) tokens and padded tokens trained on."""

    def __init__(self) -> None:
        self.examples = self.real_tokens = self.padded_tokens = 0

    def __call__(self, module, args, kwargs) -> None:
        if not module.training:
            return
        mask = kwargs["attention_mask"]
        self.examples += int(mask.shape[0])
        self.real_tokens += int(mask.sum())
        self.padded_tokens += int(mask.numel())


@dataclass
class TrainerRun:
    variant: str
    model: Any
    tokenizer: Any
    prep_s: float
    train_s: float
    examples: int
    real_tokens: int
    padded_tokens: int
    final_loss: float

    def summary(self) -> dict[str, Any]:
        return {
            "recipe": VARIANTS[self.variant],
            "tokenize_s": round(self.prep_s, 3),
            "train_s": round(self.train_s, 3),
            "examples": self.examples,
            "real_tokens": self.real_tokens,
            "padded_tokens": self.padded_tokens,
            **throughput(self.train_s, self.examples, self.real_tokens, self.padded_tokens),
            "final_loss": self.final_loss,
        }


def load_classifier(folder: str, label_names: list[str], seed: int):
    """AutoModelForSequenceClassification on ``folder`` (fresh pooler/classifier from ``seed``)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        folder,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: i for i, name in enumerate(label_names)},
    )
    return model, AutoTokenizer.from_pretrained(folder)


def train_with_trainer(
    folder: str,
    variant: str,
    texts: list[str],
    label_ids: list[int],
    label_names: list[str],
    shared: SharedSettings,
    output_dir: Path,
) -> TrainerRun:
    import datasets
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, default_data_collator
    from transformers.trainer_callback import PrinterCallback

    datasets.disable_progress_bars()

    if variant not in VARIANTS:
        raise ValueError(f"unknown baseline {variant!r}; known: {', '.join(VARIANTS)}")
    model, tokenizer = load_classifier(folder, label_names, shared.seed)
    padded = variant == "plain"

    def preprocess(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(
            batch["text"],
            padding="max_length" if padded else False,
            max_length=shared.max_length,
            truncation=True,
        )

    with stopwatch() as prep:
        raw = datasets.Dataset.from_dict({"text": texts, "label": label_ids})
        train_set = raw.map(preprocess, batched=True, remove_columns=["text"])
    collator = default_data_collator if padded else DataCollatorWithPadding(tokenizer)
    counter = WorkCounter()
    hook = model.register_forward_pre_hook(counter, with_kwargs=True)
    args = TrainingArguments(
        output_dir=str(output_dir),
        max_steps=shared.steps,
        per_device_train_batch_size=shared.batch_size,
        learning_rate=shared.learning_rate,
        weight_decay=shared.weight_decay,
        warmup_steps=shared.warmup_ratio,  # a float below 1 is a ratio of the steps
        lr_scheduler_type="linear",
        max_grad_norm=shared.max_grad_norm,
        train_sampling_strategy="random" if padded else "group_by_length",
        use_cpu=True,
        bf16=False,
        seed=shared.seed,
        report_to="none",
        save_strategy="no",
        eval_strategy="no",
        logging_strategy="no",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model, args=args, train_dataset=train_set, data_collator=collator, processing_class=tokenizer
    )
    trainer.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout
    with stopwatch() as clock:
        output = trainer.train()
    hook.remove()
    reset_accelerate()
    return TrainerRun(
        variant,
        trainer.model,
        tokenizer,
        prep["s"],
        clock["s"],
        counter.examples,
        counter.real_tokens,
        counter.padded_tokens,
        float(output.training_loss),
    )


@torch.inference_mode()
def predict_labels(
    model, tokenizer, texts: list[str], batch_size: int = 64, max_length: int = 128
) -> np.ndarray:
    """Label ids of an HF classifier, fp32, length-sorted batches (same logits as Trainer.predict).

    Only used to *score* the baselines' models; it is not a timed baseline.
    """
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        encoded = tokenizer(
            [texts[i] for i in chunk],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        out[chunk] = model(**encoded).logits.argmax(-1).numpy()
    return out
