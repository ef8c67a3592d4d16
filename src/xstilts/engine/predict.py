"""Run a model over featurised examples and turn its outputs into predictions.

Inference runs under ``torch.inference_mode`` on globally length-sorted batches, so a batch of
short messages is not padded to the length of a long one, and large batches amortise the
per-call overhead. Predictions come back in the order of the examples, in the conventions the
metrics expect (label names, choice indices, tag sequences, answer strings).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from xstilts.engine.batching import (
    BatchPlan,
    collate,
    default_pad_multiple,
    evaluation_batches,
    feature_lengths,
)
from xstilts.engine.features import IGNORE_INDEX, LabelMap
from xstilts.engine.precision import RuntimeChoice, autocast
from xstilts.tasks.metrics import compute
from xstilts.tasks.spec import TaskSpec, TaskType

MAX_ANSWER_PIECES = 30
CPU_EVAL_TOKENS = 2048  # measured on 2 cores: 2k-token batches ran 1.4x (bf16) faster than 8k ones
CUDA_EVAL_TOKENS = 32768


def evaluation_plan(config, runtime: RuntimeChoice) -> BatchPlan:
    """Length-sorted evaluation batches under a token budget (cap: ``evaluation.batch_size``).

    A fixed count of examples would pad many short sentences to the length of the longest one
    sorted into the same batch; a token budget keeps every batch the same amount of work.
    """
    return default_evaluation_plan(runtime, config.evaluation.batch_size, config.evaluation.max_tokens)


def default_evaluation_plan(
    runtime: RuntimeChoice, batch_size: int = 256, max_tokens: int | None = None
) -> BatchPlan:
    """The evaluation plan without an experiment config: the device's token budget, 256 at most."""
    budget = max_tokens or (CUDA_EVAL_TOKENS if runtime.device == "cuda" else CPU_EVAL_TOKENS)
    return BatchPlan(
        batch_size=batch_size, max_tokens=budget, pad_multiple=default_pad_multiple(runtime.device)
    )


N_BEST = 20


def _outputs(model, head: str, features, plan: BatchPlan, runtime: RuntimeChoice, pad_id: int):
    """Yield (feature indices, logits as float32 numpy) batch by batch."""
    columns = features.column_names
    lengths = feature_lengths(features["input_ids"])
    model.eval()
    with torch.inference_mode(), autocast(runtime):
        for indices in evaluation_batches(lengths, plan):
            rows = features[indices]
            batch = collate({c: rows[c] for c in columns if c in ("input_ids",)}, pad_id, plan.pad_multiple)
            batch = {k: v.to(runtime.device) for k, v in batch.items()}
            logits, _ = model(head, batch)
            yield indices, logits.float().cpu().numpy()


def predict(
    model,
    head: str,
    spec: TaskSpec,
    features,
    examples: list[dict[str, Any]],
    labels: LabelMap | None,
    plan: BatchPlan,
    runtime: RuntimeChoice,
    pad_id: int,
) -> list:
    kind = spec.task_type
    if kind in (TaskType.CLASSIFICATION, TaskType.PAIR_CLASSIFICATION, TaskType.MULTIPLE_CHOICE):
        chosen = np.zeros(len(features), dtype=np.int64)
        for indices, logits in _outputs(model, head, features, plan, runtime, pad_id):
            chosen[indices] = logits.argmax(-1)
        if kind is TaskType.MULTIPLE_CHOICE:
            return [int(c) for c in chosen]
        return [labels.names[c] for c in chosen]
    if kind is TaskType.TAGGING:
        return _predict_tags(model, head, features, examples, labels, plan, runtime, pad_id)
    if kind is TaskType.SPAN_QA:
        return _predict_spans(model, head, spec, features, examples, plan, runtime, pad_id)
    raise ValueError(f"task type {kind} has no head to predict with")


def _predict_tags(model, head, features, examples, labels, plan, runtime, pad_id) -> list[list[str]]:
    gold_positions = features["labels"]
    fallback = "O" if "O" in labels.index else labels.names[0]
    out: list[list[str] | None] = [None] * len(features)
    for indices, logits in _outputs(model, head, features, plan, runtime, pad_id):
        for row, feature_index in enumerate(indices):
            positions = [k for k, value in enumerate(gold_positions[feature_index]) if value != IGNORE_INDEX]
            tags = [labels.names[int(logits[row, k].argmax())] for k in positions]
            n_words = len(examples[feature_index]["tokens"])
            out[feature_index] = tags + [fallback] * (n_words - len(tags))  # words cut by max_length
    return out  # type: ignore[return-value]


def _predict_spans(model, head, spec, features, examples, plan, runtime, pad_id) -> list[str]:
    """Best span over all windows of an example (SQuAD-style n-best search)."""
    offsets = features["offsets"]
    example_index = features["example_index"]
    best: dict[int, tuple[float, str]] = {}
    null: dict[int, float] = {}
    for indices, logits in _outputs(model, head, features, plan, runtime, pad_id):
        for row, feature_index in enumerate(indices):
            ex = example_index[feature_index]
            spans = offsets[feature_index]
            start_logits, end_logits = logits[row, : len(spans), 0], logits[row, : len(spans), 1]
            null_score = float(start_logits[0] + end_logits[0])
            null[ex] = min(null.get(ex, np.inf), null_score)
            starts = np.argsort(start_logits)[::-1][:N_BEST]
            ends = np.argsort(end_logits)[::-1][:N_BEST]
            context = examples[ex]["context"]
            for s in starts:
                if spans[s][0] < 0:
                    continue
                for e in ends:
                    if spans[e][0] < 0 or e < s or e - s + 1 > MAX_ANSWER_PIECES:
                        continue
                    score = float(start_logits[s] + end_logits[e])
                    if ex not in best or score > best[ex][0]:
                        best[ex] = (score, context[spans[s][0] : spans[e][1]])
    predictions = []
    for ex in range(len(examples)):
        score, text = best.get(ex, (-np.inf, ""))
        if spec.allows_no_answer and null.get(ex, -np.inf) > score:
            text = ""
        predictions.append(text)
    return predictions


def references(spec: TaskSpec, examples: list[dict[str, Any]]) -> list:
    kind = spec.task_type
    if kind is TaskType.TAGGING:
        return [e["tags"] for e in examples]
    if kind is TaskType.SPAN_QA:
        return [[a["text"] for a in e["answers"]] for e in examples]
    if kind is TaskType.MULTIPLE_CHOICE:
        return [int(e["label"]) for e in examples]
    return [str(e["label"]) for e in examples]


def score(
    spec: TaskSpec, predictions: list, examples: list[dict[str, Any]], language: str
) -> dict[str, float]:
    """Every metric of the task on these predictions."""
    gold = references(spec, examples)
    return {name: compute(name, predictions, gold, language=language) for name in spec.metrics}
