"""Masked LM: plain text that trains the encoder by masked language modelling (the MLM control).

It has no task head of its own: the phase trains the shared MLM head on ``text``
(:class:`xstilts.models.heads.MLMHead`, masking in :mod:`xstilts.training.mlm`), and it is never
an evaluation target.
"""

from __future__ import annotations

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import TaskTypeDef


class MaskedLM(TaskTypeDef):
    name = TaskType.MASKED_LM
    fields = ("id", "text")
    text_fields = ("text",)
    corpus_field = "text"
    training = "mlm"
    evaluation = "none"


register_task_type(MaskedLM())
