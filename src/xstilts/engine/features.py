"""Examples -> model features, per task type, cached once per (task data, tokenizer, max_length).

Tokenising is cheap per example but adds up over a grid that reads the same task dozens of
times; the features are therefore stored as Arrow datasets (``datasets.save_to_disk``) keyed by a
fingerprint of everything that determines them, and every later job memory-maps them.

Feature columns by task type:
- classification / pair: ``input_ids``, ``label``
- multiple choice: ``input_ids`` (one list per choice), ``label``
- tagging: ``input_ids``, ``labels`` (label id on each word's first piece, -100 elsewhere)
- span QA: one row per window: ``input_ids``, ``offsets`` (char span per piece, [-1, -1] outside
  the context), ``example_index``, ``start_position``, ``end_position`` (0 = no answer here)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.publish import publishing
from xstilts.tasks.spec import TaskSpec, TaskType

FEATURE_VERSION = 4
IGNORE_INDEX = -100


def tokenizer_fingerprint(tokenizer) -> str:
    """Identify a tokenizer by its vocabulary and settings, not by where it was loaded from."""
    cached = getattr(tokenizer, "_xstilts_fingerprint", None)
    if cached:
        return cached
    backend = getattr(tokenizer, "backend_tokenizer", None)
    payload = backend.to_str() if backend is not None else json.dumps(tokenizer.get_vocab(), sort_keys=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
    tokenizer._xstilts_fingerprint = digest
    return digest


class LabelMap:
    """Label names <-> ids. Fixed by the task spec, or derived (sorted) from training data."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.index = {name: i for i, name in enumerate(self.names)}

    def encode(self, name: str, *, task: str) -> int:
        if name not in self.index:
            raise DataFormatError(
                f"task {task!r}: label {name!r} is not in the label set",
                fix=f"use one of {self.names[:20]}",
            )
        return self.index[name]

    @classmethod
    def for_task(cls, spec: TaskSpec, train_examples: list[dict] | None = None) -> LabelMap | None:
        if spec.task_type in (TaskType.MULTIPLE_CHOICE, TaskType.SPAN_QA, TaskType.RETRIEVAL):
            return None
        if spec.labels:
            return cls(spec.labels)
        if train_examples is None:
            raise DataFormatError(
                f"task {spec.name!r} has an open label set and no training data to derive it"
            )
        field = "tags" if spec.task_type is TaskType.TAGGING else "label"
        names: set[str] = set()
        for example in train_examples:
            value = example[field]
            names.update(value if isinstance(value, list) else [value])
        return cls(sorted(names))


def build_features(
    spec: TaskSpec,
    examples: list[dict[str, Any]],
    tokenizer,
    labels: LabelMap | None,
    max_length: int,
    *,
    doc_stride: int | None = None,
) -> dict[str, list]:
    """Tokenise examples of any task type into a column dict (see module docstring)."""
    builder = {
        TaskType.CLASSIFICATION: _classification,
        TaskType.PAIR_CLASSIFICATION: _classification,
        TaskType.MULTIPLE_CHOICE: _multiple_choice,
        TaskType.TAGGING: _tagging,
        TaskType.SPAN_QA: _span_qa,
    }.get(spec.task_type)
    if builder is None:
        raise DataFormatError(f"task {spec.name!r} ({spec.task_type}) is not trained or featurised")
    if builder is _span_qa:
        # SQuAD recipes use a 128-piece stride at 384; keep the same ratio at other lengths.
        stride = doc_stride if doc_stride is not None else min(128, max_length // 4)
        return _span_qa(spec, examples, tokenizer, max_length, stride)
    return builder(spec, examples, tokenizer, labels, max_length)


def _classification(spec, examples, tokenizer, labels, max_length) -> dict[str, list]:
    if spec.task_type is TaskType.PAIR_CLASSIFICATION:
        enc = tokenizer(
            [e["text_a"] for e in examples],
            [e["text_b"] for e in examples],
            truncation=True,
            max_length=max_length,
        )
    else:
        enc = tokenizer([e["text"] for e in examples], truncation=True, max_length=max_length)
    return {
        "input_ids": enc["input_ids"],
        "label": [labels.encode(str(e["label"]), task=spec.name) for e in examples],
    }


def _multiple_choice(spec, examples, tokenizer, labels, max_length) -> dict[str, list]:
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


def _tagging(spec, examples, tokenizer, labels, max_length) -> dict[str, list]:
    enc = tokenizer(
        [e["tokens"] for e in examples], is_split_into_words=True, truncation=True, max_length=max_length
    )
    all_labels = []
    for i, example in enumerate(examples):
        word_ids = enc.word_ids(i)
        row, previous = [], None
        for word in word_ids:
            if word is None or word == previous:
                row.append(IGNORE_INDEX)
            else:
                row.append(labels.encode(example["tags"][word], task=spec.name))
            previous = word
        all_labels.append(row)
    return {"input_ids": enc["input_ids"], "labels": all_labels}


def _span_qa(spec, examples, tokenizer, max_length, doc_stride) -> dict[str, list]:
    """Sliding windows over the context, as SQuAD fine-tuning does (question first)."""
    enc = tokenizer(
        [e["question"].lstrip() for e in examples],
        [e["context"] for e in examples],
        truncation="only_second",
        max_length=max_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    out: dict[str, list] = {
        "input_ids": [],
        "offsets": [],
        "example_index": [],
        "start_position": [],
        "end_position": [],
    }
    for window, example_index in enumerate(enc["overflow_to_sample_mapping"]):
        sequence_ids = enc.sequence_ids(window)
        context = examples[example_index]["context"]
        offsets = [
            _trim(context, span) if sequence_ids[k] == 1 else [-1, -1]
            for k, span in enumerate(enc["offset_mapping"][window])
        ]
        start_token = end_token = 0
        answers = examples[example_index]["answers"]
        if answers:
            answer_start = int(answers[0]["answer_start"])
            answer_end = answer_start + len(answers[0]["text"])
            context_tokens = [k for k, s in enumerate(sequence_ids) if s == 1]
            if (
                context_tokens
                and offsets[context_tokens[0]][0] <= answer_start
                and offsets[context_tokens[-1]][1] >= answer_end
            ):
                start_token = next(k for k in context_tokens if offsets[k][1] > answer_start)
                end_token = next(k for k in reversed(context_tokens) if offsets[k][0] < answer_end)
        out["input_ids"].append(enc["input_ids"][window])
        out["offsets"].append(offsets)
        out["example_index"].append(int(example_index))
        out["start_position"].append(start_token)
        out["end_position"].append(end_token)
    return out


def _trim(context: str, span: tuple[int, int]) -> list[int]:
    """SentencePiece pieces carry their leading space ("▁Paris" -> " Paris"): drop it from the span."""
    start, end = span
    while start < end and context[start].isspace():
        start += 1
    return [start, end]


def cached_features(
    spec: TaskSpec,
    split: str,
    language: str,
    examples: list[dict[str, Any]],
    data_fingerprint: str,
    tokenizer,
    labels: LabelMap | None,
    max_length: int,
    cache_root: Path,
):
    """Load the Arrow features for (task, split, language, tokenizer, max_length), building once."""
    import datasets

    key = hashlib.sha256(
        json.dumps(
            [
                FEATURE_VERSION,
                spec.name,
                spec.version,
                split,
                language,
                data_fingerprint,
                tokenizer_fingerprint(tokenizer),
                max_length,
                labels.names if labels else None,
                len(examples),
            ],
        ).encode()
    ).hexdigest()[:24]
    target = cache_root / "features" / f"{spec.name}-{split}-{language}-{key}"
    if (target / "dataset_info.json").is_file():
        return datasets.load_from_disk(str(target))
    columns = build_features(spec, examples, tokenizer, labels, max_length)
    dataset = datasets.Dataset.from_dict(columns)
    # leased: a killed process's folder is found dead and removed; the key is a content hash, so
    # features another worker finished first are the same features
    with publishing(
        target,
        prefix=f".tmp-{os.getpid()}-",
        leased=True,
        complete=lambda folder: (folder / "dataset_info.json").is_file(),
    ) as tmp:
        dataset.save_to_disk(str(tmp))
    return datasets.load_from_disk(str(target))
