"""One head per task type, on top of any Hugging Face encoder.

Heads are deliberately small: STILTs' whole point is that the *encoder* carries what the
intermediate task taught it, so every target task starts a fresh head on the transferred encoder.
Sentence-level heads pool the encoder's states ("mean" over real tokens, or "first" = the
<s>/[CLS] token); mean pooling suits embedding-trained encoders such as e5, first-token pooling
is what XLM-R fine-tuning recipes use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

import torch
from torch import nn

from xstilts.tasks.types import get_task_type

Pooling = Literal["mean", "first"]


@dataclass(frozen=True)
class HeadSpec:
    task_type: str
    num_labels: int = 0
    pooling: Pooling = "mean"
    dropout: float = 0.1

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class StockHead:
    """The ``transformers`` class that computes exactly what an xstilts head computes (export).

    ``names(bert_like)`` maps the head's top-level modules to that class's parameter prefixes;
    ``pooling`` is the one pooling under which the two agree (None: any).
    """

    auto_class: str
    names: Callable[[bool], dict[str, str]]
    pooling: str | None = None


def _sequence_names(bert_like: bool) -> dict[str, str]:
    """BERT: pooler dense+tanh on [CLS] then the classifier; XLM-R/RoBERTa: classifier.dense + out_proj."""
    if bert_like:
        return {"dense": "bert.pooler.dense", "out": "classifier"}
    return {"dense": "classifier.dense", "out": "classifier.out_proj"}


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: Pooling) -> torch.Tensor:
    if pooling == "first":
        return hidden[:, 0]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class SequenceHead(nn.Module):
    """Classification and sentence-pair classification (pair = one joint encoding)."""

    stock = StockHead("AutoModelForSequenceClassification", _sequence_names, pooling="first")
    formula = "logits = out(tanh(dense(pool(last_hidden_state))))"

    def __init__(self, hidden: int, spec: HeadSpec) -> None:
        super().__init__()
        self.spec = spec
        self.dropout = nn.Dropout(spec.dropout)
        self.dense = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, spec.num_labels)

    def forward(
        self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        pooled = pool(hidden, batch["attention_mask"], self.spec.pooling)
        logits = self.out(self.dropout(torch.tanh(self.dense(self.dropout(pooled)))))
        loss = None
        if "labels" in batch:
            loss = nn.functional.cross_entropy(logits.float(), batch["labels"])
        return logits, loss


class MultipleChoiceHead(nn.Module):
    """Scores each (stem, choice) encoding; softmax over the choices of an example."""

    stock: StockHead | None = None
    formula = "score = score(pool(last_hidden_state)) per (stem, choice) pair"

    def __init__(self, hidden: int, spec: HeadSpec) -> None:
        super().__init__()
        self.spec = spec
        self.dropout = nn.Dropout(spec.dropout)
        self.score = nn.Linear(hidden, 1)

    def forward(self, hidden, batch):
        n_choices = batch["n_choices"]
        pooled = pool(hidden, batch["flat_attention_mask"], self.spec.pooling)
        logits = self.score(self.dropout(pooled)).view(-1, n_choices)
        loss = nn.functional.cross_entropy(logits.float(), batch["labels"]) if "labels" in batch else None
        return logits, loss


class TaggingHead(nn.Module):
    """A label per piece; only each word's first piece carries a gold label (others are -100)."""

    stock = StockHead("AutoModelForTokenClassification", lambda _bert_like: {"out": "classifier"})
    formula = "logits = out(last_hidden_state)"

    def __init__(self, hidden: int, spec: HeadSpec) -> None:
        super().__init__()
        self.spec = spec
        self.dropout = nn.Dropout(spec.dropout)
        self.out = nn.Linear(hidden, spec.num_labels)

    def forward(self, hidden, batch):
        logits = self.out(self.dropout(hidden))
        loss = None
        if "labels" in batch:
            loss = nn.functional.cross_entropy(
                logits.float().reshape(-1, logits.shape[-1]), batch["labels"].reshape(-1), ignore_index=-100
            )
        return logits, loss


class SpanQAHead(nn.Module):
    """Start/end logits per piece (index 0 = <s> = "no answer in this window")."""

    stock = StockHead("AutoModelForQuestionAnswering", lambda _bert_like: {"out": "qa_outputs"})
    formula = "start, end = out(last_hidden_state).unbind(-1)"

    def __init__(self, hidden: int, spec: HeadSpec) -> None:
        super().__init__()
        self.spec = spec
        self.out = nn.Linear(hidden, 2)

    def forward(self, hidden, batch):
        logits = self.out(hidden).float()
        start, end = logits[..., 0], logits[..., 1]
        mask = batch["attention_mask"] == 0
        start = start.masked_fill(mask, -1e4)
        end = end.masked_fill(mask, -1e4)
        loss = None
        if "start_positions" in batch:
            loss = (
                nn.functional.cross_entropy(start, batch["start_positions"])
                + nn.functional.cross_entropy(end, batch["end_positions"])
            ) / 2
        return torch.stack([start, end], dim=-1), loss


class MLMHead(nn.Module):
    """Masked-LM head whose decoder is tied to the encoder's input embeddings.

    e5 ships no MLM head, so the transform starts fresh; tying the decoder keeps it from adding
    another 96M parameters. Logits are computed only at masked positions: the 250k-way softmax
    over every token would cost more than the encoder itself.
    """

    def __init__(self, hidden: int, embeddings: nn.Embedding, eps: float = 1e-12) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden, eps=eps)
        self.embeddings = [embeddings]  # a list: tie without registering the matrix twice
        self.bias = nn.Parameter(torch.zeros(embeddings.num_embeddings))

    def forward(self, hidden, batch):
        labels = batch["mlm_labels"]
        selected = hidden[labels != -100]
        transformed = self.norm(nn.functional.gelu(self.dense(selected)))
        logits = transformed @ self.embeddings[0].weight.t() + self.bias
        loss = nn.functional.cross_entropy(logits.float(), labels[labels != -100])
        return logits, loss


def head_class(spec: HeadSpec) -> type[nn.Module]:
    """The head class the task type names (its ``head`` target), built as ``cls(hidden, spec)``."""
    kind = get_task_type(spec.task_type)
    if not kind.head:
        raise ValueError(f"no trainable head for task type {spec.task_type!r}")
    module, _, attr = kind.head.partition(":")
    return getattr(importlib.import_module(module), attr)


def build_head(hidden: int, spec: HeadSpec) -> nn.Module:
    return head_class(spec)(hidden, spec)
