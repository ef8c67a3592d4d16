"""Pair classification: (text_a, text_b) -> one label name, encoded jointly (XNLI, PAWS-X)."""

from __future__ import annotations

from typing import Any

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.classification import Classification


class PairClassification(Classification):
    """Classification whose input is one joint encoding of the two texts."""

    name = TaskType.PAIR_CLASSIFICATION
    fields = ("id", "text_a", "text_b", "label")
    text_fields = ("text_a", "text_b")
    corpus_field = "text_a"

    def encode(self, examples: list[dict[str, Any]], tokenizer, max_length: int):
        return tokenizer(
            [e["text_a"] for e in examples],
            [e["text_b"] for e in examples],
            truncation=True,
            max_length=max_length,
        )


register_task_type(PairClassification())
