"""Classification: a text -> one label name from the task's label set (XNLI-style heads, msgkind)."""

from __future__ import annotations

from typing import Any

import numpy as np

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import Column, TaskTypeDef


class Classification(TaskTypeDef):
    name = TaskType.CLASSIFICATION
    fields = ("id", "text", "label")
    gold_field = "label"
    named_labels = True
    text_fields = ("text",)
    corpus_field = "text"
    head = "xstilts.models.heads:SequenceHead"
    columns = (Column("label", "labels"),)

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        if labels and example["label"] not in labels:
            return f"label {example['label']!r} is not declared"
        return ""

    def encode(self, examples: list[dict[str, Any]], tokenizer, max_length: int):
        return tokenizer([e["text"] for e in examples], truncation=True, max_length=max_length)

    def featurize(self, spec, examples, tokenizer, labels, max_length, doc_stride=None) -> dict[str, list]:
        """``input_ids`` and ``label`` (the label's id in the task's label map)."""
        enc = self.encode(examples, tokenizer, max_length)
        return {
            "input_ids": enc["input_ids"],
            "label": [labels.encode(str(e["label"]), task=spec.name) for e in examples],
        }

    def decode(self, spec, outputs, features, examples, labels) -> list:
        """The arg-max label name of each example."""
        return [labels.names[c] for c in argmax(outputs, len(features))]


def argmax(outputs, n: int) -> np.ndarray:
    """The arg-max class of each of ``n`` features, gathered from length-sorted batches."""
    chosen = np.zeros(n, dtype=np.int64)
    for indices, logits in outputs:
        chosen[indices] = logits.argmax(-1)
    return chosen


register_task_type(Classification())
