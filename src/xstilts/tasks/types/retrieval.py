"""Aligned retrieval: translation pairs, scored by embedding similarity, never trained (Tatoeba).

``source`` is the English (pivot) side and ``target`` the language's side. A Tatoeba file whose
English side XTREME sorted hides the alignment: the reader marks such examples
``"aligned": False`` and they are predicted only. As in the paper, a retrieval target evaluates
the intermediate-trained encoder directly (no head, no fine-tuning).
"""

from __future__ import annotations

from typing import Any

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import TaskTypeDef


class Retrieval(TaskTypeDef):
    name = TaskType.RETRIEVAL
    fields = ("id", "source", "target")
    text_fields = ("target",)  # the language's side; "source" is the English pivot
    training = "none"
    evaluation = "aligned"

    def is_unlabelled(self, example: dict[str, Any]) -> bool:
        return example.get("aligned") is False  # Tatoeba with XTREME's sorted English side


register_task_type(Retrieval())
