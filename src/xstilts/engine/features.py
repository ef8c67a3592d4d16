"""Examples -> model features, per task type, cached once per (task data, tokenizer, max_length).

Tokenising is cheap per example but adds up over a grid that reads the same task dozens of
times; the features are therefore stored as Arrow datasets (``datasets.save_to_disk``) keyed by a
fingerprint of everything that determines them, and every later job memory-maps them.

Which columns a task type's features have, and how they are built, is its type object's
business (:meth:`xstilts.tasks.types.TaskTypeDef.featurize`; e.g. tagging: ``input_ids`` and
``labels`` with the label id on each word's first piece, -100 elsewhere).
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
from xstilts.tasks.spec import TaskSpec
from xstilts.tasks.types import IGNORE_INDEX as IGNORE_INDEX
from xstilts.tasks.types import get_task_type

FEATURE_VERSION = 4


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
        """The task's label map; ``None`` for types whose gold is not a label name."""
        kind = get_task_type(spec.task_type)
        if not kind.named_labels:
            return None
        if spec.labels:
            return cls(spec.labels)
        if train_examples is None:
            raise DataFormatError(
                f"task {spec.name!r} has an open label set and no training data to derive it"
            )
        return cls(kind.label_names(train_examples))


def build_features(
    spec: TaskSpec,
    examples: list[dict[str, Any]],
    tokenizer,
    labels: LabelMap | None,
    max_length: int,
    *,
    doc_stride: int | None = None,
) -> dict[str, list]:
    """Tokenise examples of any task type into a column dict (the type object's featurisation)."""
    kind = get_task_type(spec.task_type)
    return kind.featurize(spec, examples, tokenizer, labels, max_length, doc_stride)


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
