"""JSON Lines exports of Hugging Face ``datasets`` datasets (``ds[split].to_json(path)``).

Every task falls back to ``<task>/<split>-<lang>.jsonl`` under the data root when its release file
is absent or has withheld labels (XTREME test files). Our split names are used (``dev``, not
``validation``), e.g. ``load_dataset("xnli", "de")["validation"].to_json("xnli/dev-de.jsonl")``.
Records keep the dataset's own columns; labels may be ClassLabel indices (what ``to_json``
writes) or names. Columns read, by task type:

=====================  =========================================================================
pair classification    ``premise``/``hypothesis`` (xnli, anli, glue/mnli), ``sentence1``/
                       ``sentence2`` (paws-x), ``question1``/``question2`` (glue/qqp),
                       ``text_a``/``text_b`` (jiant); ``label`` (index, name, or jiant's "0"/"1")
classification         ``sentence`` (glue/sst2) or ``text``; ``label``
tagging                ``tokens`` and ``tags``, ``pos_tags`` (xtreme udpos.*) or ``ner_tags``
                       (xtreme PAN-X.*, wikiann)
span QA                ``id``, ``context``, ``question``, ``answers: {text: [...], answer_start:
                       [...]}`` (squad, squad_v2, xquad, mlqa, tydiqa secondary task)
aligned retrieval      ``source_sentence`` (the non-English side) and ``target_sentence``
                       (English), as in xtreme ``tatoeba.*``
=====================  =========================================================================

Multiple-choice exports differ per dataset and are parsed in :mod:`.multiple_choice`.

Which dataset and config to export, per task (Hub ``validation`` -> our ``dev``; for tasks whose
evaluation set XTREME calls ``test``, ``validation`` -> ``test``):

===================  =====================================================================
xnli, pawsx          ``xnli`` / ``paws-x``, config ``<lang>``
udpos, panx          ``xtreme``, configs ``udpos.<LanguageName>`` / ``PAN-X.<lang>``
xquad, mlqa          ``xquad`` ``xquad.<lang>`` (-> test); ``mlqa`` ``mlqa.<lang>.<lang>``
tydiqa               ``tydiqa`` ``secondary_task``, the rows whose ``id`` starts with the
                     language's English name (validation -> test)
tatoeba              ``xtreme`` ``tatoeba.<iso3>`` (validation -> test)
anli                 ``anli``, ``train_r1`` + ``train_r2`` + ``train_r3`` (likewise dev, test)
mnli, qqp, sst2      ``glue`` ``mnli`` (validation_matched -> dev), ``qqp``, ``sst2``
squad_v1, squad_v2   ``squad``, ``squad_v2``
multiple choice      ``commonsense_qa``, ``cosmos_qa``, ``hellaswag``
===================  =====================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.labels import exported_label
from xstilts.tasks.readers.sources import Example, ReadContext
from xstilts.tasks.readers.spans import SpanChecker
from xstilts.tasks.readers.textfile import field, first_field, iter_jsonl

_PAIR_COLUMNS = (
    ("premise", "hypothesis"),
    ("sentence1", "sentence2"),
    ("question1", "question2"),
    ("text_a", "text_b"),  # jiant's JSON Lines task data
)
_FIX = "re-export with Dataset.to_json; see xstilts.tasks.readers.hf_export for the columns read"


def _record_id(record: dict[str, Any], context: ReadContext, index: int) -> str:
    for key in ("id", "uid", "idx", "pairID"):
        if key in record and record[key] is not None:
            return str(record[key])
    return context.example_id(index)


def _label(record: dict[str, Any], context: ReadContext, path: Path, line: int) -> str:
    if "label" not in record:
        raise DataFormatError("missing field 'label'", file=path, line=line, fix=_FIX)
    return exported_label(record["label"], context, path, line)


def parse_pair_export(path: Path, context: ReadContext) -> list[Example]:
    examples = []
    for index, (line, record) in enumerate(iter_jsonl(path)):
        first, second = next(((a, b) for a, b in _PAIR_COLUMNS if a in record), _PAIR_COLUMNS[0])
        examples.append(
            {
                "id": _record_id(record, context, index),
                "text_a": field(record, first, path, line, _FIX),
                "text_b": field(record, second, path, line, _FIX),
                "label": _label(record, context, path, line),
            }
        )
    return examples


def parse_single_export(path: Path, context: ReadContext) -> list[Example]:
    examples = []
    for index, (line, record) in enumerate(iter_jsonl(path)):
        examples.append(
            {
                "id": _record_id(record, context, index),
                "text": first_field(record, ("sentence", "text"), path, line, _FIX),
                "label": _label(record, context, path, line),
            }
        )
    return examples


def parse_tagging_export(path: Path, context: ReadContext) -> list[Example]:
    examples = []
    for index, (line, record) in enumerate(iter_jsonl(path)):
        tokens = field(record, "tokens", path, line, _FIX, list)
        key = next((k for k in ("tags", "pos_tags", "ner_tags") if k in record), "tags")
        raw_tags = field(record, key, path, line, _FIX, list)
        if len(raw_tags) != len(tokens):
            raise DataFormatError(
                f"{len(tokens)} tokens but {len(raw_tags)} {key}",
                file=path,
                line=line,
                fix="one tag per token",
            )
        if not all(isinstance(token, str) for token in tokens):
            raise DataFormatError("a token is not a string", file=path, line=line, fix=_FIX)
        tags = [exported_label(tag, context, path, line) for tag in raw_tags]
        examples.append({"id": _record_id(record, context, index), "tokens": tokens, "tags": tags})
    return examples


def parse_qa_export(path: Path, context: ReadContext) -> list[Example]:
    checker = SpanChecker(path, allow_no_answer=context.spec.allows_no_answer)
    examples: list[Example] = []
    for index, (line, record) in enumerate(iter_jsonl(path)):
        text = field(record, "context", path, line, _FIX)
        answers = field(record, "answers", path, line, _FIX, dict)
        texts = field(answers, "text", path, line, _FIX, list)
        starts = field(answers, "answer_start", path, line, _FIX, list)
        if len(texts) != len(starts):
            raise DataFormatError(
                f"answers has {len(texts)} texts but {len(starts)} starts", file=path, line=line, fix=_FIX
            )
        examples.append(
            {
                "id": _record_id(record, context, index),
                "context": text,
                "question": field(record, "question", path, line, _FIX),
                "answers": checker.answers(
                    text, zip(texts, starts, strict=True), lambda line=line: line, f"record {index + 1}"
                ),
            }
        )
    return checker.finish(examples, unlabelled=context.unlabelled)


def parse_aligned_export(path: Path, context: ReadContext) -> list[Example]:
    examples = []
    for index, (line, record) in enumerate(iter_jsonl(path)):
        examples.append(
            {
                "id": context.example_id(index),
                "source": field(record, "target_sentence", path, line, _FIX).strip(),
                "target": field(record, "source_sentence", path, line, _FIX).strip(),
            }
        )
    return examples
