"""Multiple choice: (context, question, choices) -> the index of the right choice (COPA, CSQA)."""

from __future__ import annotations

from typing import Any

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import Column, TaskTypeDef
from xstilts.tasks.types.classification import argmax


class MultipleChoice(TaskTypeDef):
    name = TaskType.MULTIPLE_CHOICE
    fields = ("id", "context", "question", "choices", "label")
    gold_field = "label"  # the gold choice index (int), not a label name
    text_fields = ("context", "question")
    head = "xstilts.models.heads:MultipleChoiceHead"
    columns = (Column("label", "labels"),)

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        choices, label = example["choices"], example["label"]
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices) or len(choices) < 2:
            return "choices must be a list of at least two strings"
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(choices):
            return f"label {label!r} is not a choice index"
        return ""

    def with_placeholder(self, example: dict[str, Any], first_label: str) -> dict[str, Any]:
        return {**example, "label": 0}  # a choice index, whatever the label names

    def featurize(self, spec, examples, tokenizer, labels, max_length, doc_stride=None) -> dict[str, list]:
        """``input_ids``: one list per choice (stem, choice) encoding; ``label``: the gold index."""
        firsts, seconds, sizes = [], [], []
        for e in examples:
            stem = f"{e['context']} {e['question']}".strip()
            sizes.append(len(e["choices"]))
            firsts.extend([stem] * len(e["choices"]))
            seconds.extend(e["choices"])
        enc = tokenizer(firsts, seconds, truncation=True, max_length=max_length)
        grouped, start = [], 0
        for size in sizes:
            grouped.append(enc["input_ids"][start : start + size])
            start += size
        return {"input_ids": grouped, "label": [int(e["label"]) for e in examples]}

    def decode(self, spec, outputs, features, examples, labels) -> list:
        return [int(c) for c in argmax(outputs, len(features))]

    def references(self, examples: list[dict[str, Any]]) -> list:
        return [int(e["label"]) for e in examples]


register_task_type(MultipleChoice())
