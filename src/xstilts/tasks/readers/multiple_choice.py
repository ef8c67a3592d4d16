"""Multiple choice: CommonsenseQA, Cosmos QA and HellaSwag, as released and as ``datasets`` exports.

Examples are ``{"id", "context", "question", "choices", "label"}`` with ``label`` the index of the
gold choice. Accepted files:

- ``commonsenseqa``: ``commonsenseqa/{train,dev}_rand_split.jsonl``, records
  ``{"id", "question": {"stem", "choices": [{"label": "A", "text"}, ...]}, "answerKey": "A"}``;
  the export (``commonsense_qa``) flattens it to ``question`` (the stem) and
  ``choices: {"label": [...], "text": [...]}``. There is no context: ``context`` is ``""``.
- ``cosmosqa``: ``cosmosqa/train.csv`` and ``cosmosqa/valid.csv`` (header ``id, context,
  question, answer0..answer3, label``); the export (``cosmos_qa``) has the same columns.
- ``hellaswag``: ``hellaswag/hellaswag_{train,val}.jsonl`` with ``ctx_a``, ``ctx_b``, ``endings``
  and an int ``label``; the export (``hellaswag``) has the same columns with a string ``label``.
  ``context`` is ``ctx_a`` and ``question`` is ``ctx_b`` (the first words every ending continues);
  records with only ``ctx`` use it as the context and an empty question.
- every task: its export at ``<task>/<split>-en.jsonl``.

The three test sets are unlabelled in their releases, so the tasks evaluate on dev.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.sources import Example, LabelsWithheld, ReadContext, read_task
from xstilts.tasks.readers.textfile import ENCODING, field, iter_jsonl
from xstilts.tasks.spec import ReadRequest, TaskSpec

_COSMOS_COLUMNS = ("id", "context", "question", "answer0", "answer1", "answer2", "answer3", "label")


def _gold_index(value: Any, n_choices: int, path: Path, line: int, fix: str) -> int:
    """A gold choice index from an int or a digit string; ``""``/``-1``/missing = unlabelled."""
    if value is None or value == "" or value == -1:
        raise LabelsWithheld(
            "no gold answer (unlabelled split)", file=path, line=line, fix="use a labelled split"
        )
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n_choices:
        raise DataFormatError(
            f"label {value!r} is not a choice index 0..{n_choices - 1}", file=path, line=line, fix=fix
        )
    return value


def _commonsenseqa_record(record: Mapping[str, Any], path: Path, line: int) -> Example:
    fix = "CommonsenseQA records have question.stem, question.choices[{label, text}] and answerKey"
    question = record.get("question")
    if isinstance(question, Mapping):  # the release
        stem = field(question, "stem", path, line, fix)
        choices = field(question, "choices", path, line, fix, list)
        letters = [field(choice, "label", path, line, fix) for choice in choices]
        texts = [field(choice, "text", path, line, fix) for choice in choices]
    else:  # the datasets export
        stem = field(record, "question", path, line, fix)
        flat = field(record, "choices", path, line, fix, dict)
        letters, texts = (
            field(flat, "label", path, line, fix, list),
            field(flat, "text", path, line, fix, list),
        )
    key = record.get("answerKey")
    if not key:
        raise LabelsWithheld(
            "no answerKey (unlabelled split)", file=path, line=line, fix="use a labelled split"
        )
    if key not in letters:
        raise DataFormatError(
            f"answerKey {key!r} is not one of the choice labels {letters}", file=path, line=line, fix=fix
        )
    return {
        "id": str(field(record, "id", path, line, fix)),
        "context": "",
        "question": stem,
        "choices": texts,
        "label": letters.index(key),
    }


def _cosmosqa_record(record: Mapping[str, Any], path: Path, line: int) -> Example:
    fix = f"Cosmos QA rows have {', '.join(_COSMOS_COLUMNS)}"
    choices = [field(record, f"answer{index}", path, line, fix) for index in range(4)]
    return {
        "id": str(field(record, "id", path, line, fix)),
        "context": field(record, "context", path, line, fix),
        "question": field(record, "question", path, line, fix),
        "choices": choices,
        "label": _gold_index(record.get("label"), len(choices), path, line, fix),
    }


def _hellaswag_record(record: Mapping[str, Any], path: Path, line: int, index: int) -> Example:
    fix = "HellaSwag records have ctx_a, ctx_b (or ctx), endings and label"
    endings = field(record, "endings", path, line, fix, list)
    if "ctx_a" in record:
        context, question = field(record, "ctx_a", path, line, fix), field(record, "ctx_b", path, line, fix)
    else:
        context, question = field(record, "ctx", path, line, fix), ""
    ident = record.get("ind", record.get("id", index))
    return {
        "id": str(ident),
        "context": context,
        "question": question,
        "choices": endings,
        "label": _gold_index(record.get("label"), len(endings), path, line, fix),
    }


def _iter_csv(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, encoding=ENCODING, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(
                f"header lacks column(s) {', '.join(missing)}",
                file=path,
                line=1,
                fix=f"a Cosmos QA csv has the header {','.join(columns)}",
            )
        for row in reader:
            if None in row or any(value is None for value in row.values()):
                raise DataFormatError(
                    "row has a different number of fields than the header",
                    file=path,
                    line=reader.line_num,
                    fix="quote fields that contain commas",
                )
            yield reader.line_num, row


def parse_commonsenseqa(path: Path, context: ReadContext) -> list[Example]:
    return [_commonsenseqa_record(record, path, line) for line, record in iter_jsonl(path)]


def parse_cosmosqa(path: Path, context: ReadContext) -> list[Example]:
    rows = iter_jsonl(path) if path.suffix == ".jsonl" else _iter_csv(path, _COSMOS_COLUMNS)
    return [_cosmosqa_record(record, path, line) for line, record in rows]


def parse_hellaswag(path: Path, context: ReadContext) -> list[Example]:
    return [
        _hellaswag_record(record, path, line, index) for index, (line, record) in enumerate(iter_jsonl(path))
    ]


def read_commonsenseqa(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_commonsenseqa})


def read_cosmosqa(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_cosmosqa})


def read_hellaswag(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_hellaswag})
