"""Span QA: SQuAD-style extractive question answering over sliding context windows.

``answers`` is a list of ``{"text", "answer_start"}``; ``[]`` means "no answer" (SQuAD v2). A long
context becomes several windows (features): ``input_ids``, ``offsets`` (char span per piece,
``[-1, -1]`` outside the context), ``example_index``, ``start_position``/``end_position`` (0 = no
answer in this window). Decoding is the SQuAD n-best search over every window of an example.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import register_task_type
from xstilts.tasks.types.base import Column, TaskTypeDef

MAX_ANSWER_PIECES = 30
N_BEST = 20


class SpanQA(TaskTypeDef):
    name = TaskType.SPAN_QA
    fields = ("id", "context", "question", "answers")
    gold_field = "answers"
    text_fields = ("context", "question")
    head = "xstilts.models.heads:SpanQAHead"
    columns = (Column("start_position", "start_positions"), Column("end_position", "end_positions"))

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        for answer in example["answers"]:
            start, text = answer.get("answer_start"), answer.get("text")
            if not isinstance(start, int) or example["context"][start : start + len(text or "")] != text:
                return f"answer {text!r} at {start!r} is not in the context"
        return ""

    def with_placeholder(self, example: dict[str, Any], first_label: str) -> dict[str, Any]:
        return {**example, "answers": []}

    def featurize(self, spec, examples, tokenizer, labels, max_length, doc_stride=None) -> dict[str, list]:
        """Sliding windows over the context, as SQuAD fine-tuning does (question first)."""
        # SQuAD recipes use a 128-piece stride at 384; keep the same ratio at other lengths.
        stride = doc_stride if doc_stride is not None else min(128, max_length // 4)
        enc = tokenizer(
            [e["question"].lstrip() for e in examples],
            [e["context"] for e in examples],
            truncation="only_second",
            max_length=max_length,
            stride=stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
        )
        out: dict[str, list] = {
            "input_ids": [], "offsets": [], "example_index": [], "start_position": [], "end_position": [],
        }  # fmt: skip
        for window, example_index in enumerate(enc["overflow_to_sample_mapping"]):
            sequence_ids = enc.sequence_ids(window)
            context = examples[example_index]["context"]
            offsets = [
                _trim(context, span) if sequence_ids[k] == 1 else [-1, -1]
                for k, span in enumerate(enc["offset_mapping"][window])
            ]
            start_token, end_token = _answer_pieces(examples[example_index]["answers"], sequence_ids, offsets)
            out["input_ids"].append(enc["input_ids"][window])
            out["offsets"].append(offsets)
            out["example_index"].append(int(example_index))
            out["start_position"].append(start_token)
            out["end_position"].append(end_token)
        return out

    def decode(self, spec, outputs, features, examples, labels) -> list:
        """Best span over all windows of an example (SQuAD-style n-best search)."""
        offsets = features["offsets"]
        example_index = features["example_index"]
        best: dict[int, tuple[float, str]] = {}
        null: dict[int, float] = {}
        for indices, logits in outputs:
            for row, feature_index in enumerate(indices):
                ex = example_index[feature_index]
                spans = offsets[feature_index]
                start_logits, end_logits = logits[row, : len(spans), 0], logits[row, : len(spans), 1]
                null[ex] = min(null.get(ex, np.inf), float(start_logits[0] + end_logits[0]))
                _best_span(best, ex, start_logits, end_logits, spans, examples[ex]["context"])
        predictions = []
        for ex in range(len(examples)):
            score, text = best.get(ex, (-np.inf, ""))
            if spec.allows_no_answer and null.get(ex, -np.inf) > score:
                text = ""
            predictions.append(text)
        return predictions

    def references(self, examples: list[dict[str, Any]]) -> list:
        return [[a["text"] for a in e["answers"]] for e in examples]


def _answer_pieces(answers: list[dict], sequence_ids: list, offsets: list[list[int]]) -> tuple[int, int]:
    """The first answer's (start, end) piece in this window, or (0, 0) when it is not inside."""
    if not answers:
        return 0, 0
    answer_start = int(answers[0]["answer_start"])
    answer_end = answer_start + len(answers[0]["text"])
    context_tokens = [k for k, s in enumerate(sequence_ids) if s == 1]
    if (
        context_tokens
        and offsets[context_tokens[0]][0] <= answer_start
        and offsets[context_tokens[-1]][1] >= answer_end
    ):
        start = next(k for k in context_tokens if offsets[k][1] > answer_start)
        end = next(k for k in reversed(context_tokens) if offsets[k][0] < answer_end)
        return start, end
    return 0, 0


def _best_span(best: dict, ex: int, start_logits, end_logits, spans, context: str) -> None:
    """Update ``best[ex]`` with this window's highest-scoring valid (start, end) span."""
    starts = np.argsort(start_logits)[::-1][:N_BEST]
    ends = np.argsort(end_logits)[::-1][:N_BEST]
    for s in starts:
        if spans[s][0] < 0:
            continue
        for e in ends:
            if spans[e][0] < 0 or e < s or e - s + 1 > MAX_ANSWER_PIECES:
                continue
            score = float(start_logits[s] + end_logits[e])
            if ex not in best or score > best[ex][0]:
                best[ex] = (score, context[spans[s][0] : spans[e][1]])


def _trim(context: str, span: tuple[int, int]) -> list[int]:
    """SentencePiece pieces carry their leading space ("▁Paris" -> " Paris"): drop it from the span."""
    start, end = span
    while start < end and context[start].isspace():
        start += 1
    return [start, end]


register_task_type(SpanQA())
