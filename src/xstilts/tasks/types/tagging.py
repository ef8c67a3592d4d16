"""Tagging: tokens -> one tag per token (UD-POS, PAN-X, CCG supertags)."""

from __future__ import annotations

from typing import Any

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import IGNORE_INDEX, Column, TaskTypeDef


class Tagging(TaskTypeDef):
    name = TaskType.TAGGING
    fields = ("id", "tokens", "tags")
    gold_field = "tags"
    named_labels = True
    text_fields = ("tokens",)
    head = "xstilts.models.heads:TaggingHead"
    columns = (Column("labels", "labels", pad=IGNORE_INDEX),)

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        tokens, tags = example["tokens"], example["tags"]
        if len(tokens) != len(tags) or not tokens:
            return f"{len(tokens)} tokens but {len(tags)} tags"
        undeclared = [tag for tag in tags if labels and tag not in labels]
        if undeclared:
            return f"tag {undeclared[0]!r} is not declared"
        return ""

    def with_placeholder(self, example: dict[str, Any], first_label: str) -> dict[str, Any]:
        return {**example, "tags": [first_label] * len(example["tokens"])}

    def featurize(self, spec, examples, tokenizer, labels, max_length, doc_stride=None) -> dict[str, list]:
        """``input_ids`` and ``labels``: the tag id on each word's first piece, -100 elsewhere."""
        enc = tokenizer(
            [e["tokens"] for e in examples], is_split_into_words=True, truncation=True, max_length=max_length
        )
        all_labels = []
        for i, example in enumerate(examples):
            row, previous = [], None
            for word in enc.word_ids(i):
                if word is None or word == previous:
                    row.append(IGNORE_INDEX)
                else:
                    row.append(labels.encode(example["tags"][word], task=spec.name))
                previous = word
            all_labels.append(row)
        return {"input_ids": enc["input_ids"], "labels": all_labels}

    def decode(self, spec, outputs, features, examples, labels) -> list:
        """One tag per word, read at its first piece; words cut off by max_length get "O"."""
        gold_positions = features["labels"]
        fallback = "O" if "O" in labels.index else labels.names[0]
        out: list[list[str] | None] = [None] * len(features)
        for indices, logits in outputs:
            for row, feature_index in enumerate(indices):
                positions = [
                    k for k, value in enumerate(gold_positions[feature_index]) if value != IGNORE_INDEX
                ]
                tags = [labels.names[int(logits[row, k].argmax())] for k in positions]
                n_words = len(examples[feature_index]["tokens"])
                out[feature_index] = tags + [fallback] * (n_words - len(tags))
        return out

    def references(self, examples: list[dict[str, Any]]) -> list:
        return [e["tags"] for e in examples]


register_task_type(Tagging())
