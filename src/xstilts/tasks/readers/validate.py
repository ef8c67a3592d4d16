"""The example contract: what every reader's output must look like, checked in one place.

``xstilts tasks check`` and the reader tests run :func:`check_examples` on everything a reader
returns, so a reader that drifts from :data:`~xstilts.tasks.spec.EXAMPLE_FIELDS` (a missing
field, a label outside the declared set, an answer span outside its context) is caught whatever
the file looked like.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.bucc import MINING_FIELDS
from xstilts.tasks.spec import EXAMPLE_FIELDS, TaskSpec, TaskType

_FIX = "this is a reader bug or a file the reader accepted wrongly; report it with the file"


def expected_fields(spec: TaskSpec, examples: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The fields examples of ``spec`` must have (mining-style retrieval has sentence records)."""
    if spec.task_type is TaskType.RETRIEVAL and examples and "side" in examples[0]:
        return MINING_FIELDS
    return EXAMPLE_FIELDS[spec.task_type]


def check_examples(spec: TaskSpec, examples: Sequence[dict[str, Any]], origin: str | Path) -> None:
    """Raise a one-line :class:`DataFormatError` at the first example breaking the contract."""
    fields = expected_fields(spec, examples)
    labels = frozenset(spec.labels)
    seen_ids: set[str] = set()
    for index, example in enumerate(examples):
        where = f"example {index} (id {example.get('id')!r})"
        missing = [name for name in fields if name not in example]
        if missing:
            raise DataFormatError(f"{where} lacks {', '.join(missing)}", file=origin, fix=_FIX)
        if not isinstance(example["id"], str) or example["id"] in seen_ids:
            raise DataFormatError(f"{where}: ids must be unique strings", file=origin, fix=_FIX)
        seen_ids.add(example["id"])
        problem = _problem(spec.task_type, example, labels, fields)
        if problem:
            raise DataFormatError(f"{where}: {problem}", file=origin, fix=_FIX)


def is_unlabelled(task_type: TaskType, example: dict[str, Any]) -> bool:
    """True for an example read from a label-withheld file (``unlabelled_reading``)."""
    if task_type is TaskType.RETRIEVAL:
        return example.get("aligned") is False  # Tatoeba with XTREME's sorted English side
    key = {TaskType.TAGGING: "tags", TaskType.SPAN_QA: "answers"}.get(task_type, "label")
    return key in example and example[key] is None


def _problem(
    task_type: TaskType, example: dict[str, Any], labels: frozenset[str], fields: tuple[str, ...]
) -> str:
    if is_unlabelled(task_type, example):
        return ""  # a label-withheld test file read for prediction only
    if task_type in (TaskType.CLASSIFICATION, TaskType.PAIR_CLASSIFICATION):
        if labels and example["label"] not in labels:
            return f"label {example['label']!r} is not declared"
    elif task_type is TaskType.MULTIPLE_CHOICE:
        choices, label = example["choices"], example["label"]
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices) or len(choices) < 2:
            return "choices must be a list of at least two strings"
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(choices):
            return f"label {label!r} is not a choice index"
    elif task_type is TaskType.TAGGING:
        tokens, tags = example["tokens"], example["tags"]
        if len(tokens) != len(tags) or not tokens:
            return f"{len(tokens)} tokens but {len(tags)} tags"
        undeclared = [tag for tag in tags if labels and tag not in labels]
        if undeclared:
            return f"tag {undeclared[0]!r} is not declared"
    elif task_type is TaskType.SPAN_QA:
        for answer in example["answers"]:
            start, text = answer.get("answer_start"), answer.get("text")
            if not isinstance(start, int) or example["context"][start : start + len(text or "")] != text:
                return f"answer {text!r} at {start!r} is not in the context"
    elif (
        task_type is TaskType.RETRIEVAL and fields == MINING_FIELDS and example["side"] not in ("src", "trg")
    ):
        return f"side {example['side']!r} is neither 'src' nor 'trg'"
    return ""


def check_gold(examples: Sequence[dict[str, Any]], gold: set[tuple[str, str]], origin: str | Path) -> None:
    """Mining gold pairs must name sentences of the corpora (source id, then English id)."""
    sides = {side: {e["id"] for e in examples if e.get("side") == side} for side in ("src", "trg")}
    for source, target in sorted(gold):
        if source not in sides["src"] or target not in sides["trg"]:
            unknown = source if source not in sides["src"] else target
            raise DataFormatError(
                f"gold pair ({source}, {target}) names {unknown!r}, which is not a sentence of the corpus",
                file=origin,
                fix="use the gold file of the same archive and split as the corpus files",
            )
