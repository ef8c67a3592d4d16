"""Bitext mining: find the translation pairs between two monolingual corpora (BUCC 2018).

Mining needs whole corpora, not aligned pairs: an example is one *sentence*,
``{"id", "side", "text"}``, with ``side`` ``"src"`` for the non-English corpus and ``"trg"`` for
English (BUCC's own naming). The gold pairs are not in the examples: the task's ``gold_reader``
reads them, and the evaluation mines candidate pairs from the embedded corpora, picks the
threshold on dev gold and scores test (:func:`xstilts.evaluation.retrieval.mining_scores`).
"""

from __future__ import annotations

from typing import Any

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import TaskTypeDef

SIDES = ("src", "trg")


class BitextMining(TaskTypeDef):
    name = TaskType.BITEXT_MINING
    fields = ("id", "side", "text")
    text_fields = ("text",)
    training = "none"
    evaluation = "mining"

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        if example["side"] not in SIDES:
            return f"side {example['side']!r} is neither 'src' nor 'trg'"
        return ""


register_task_type(BitextMining())
