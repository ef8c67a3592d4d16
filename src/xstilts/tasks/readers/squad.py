"""SQuAD-format JSON: SQuAD v1.1/v2.0, XQuAD, MLQA and TyDiQA-GoldP (as XTREME lays them out).

Accepted files, per task (``files`` / ``fallback_files`` of its spec):

- ``squad_v1``: ``squad/{train,dev}-v1.1.json``; ``squad_v2``: ``squad/{train,dev}-v2.0.json``
  (``is_impossible`` questions have ``answers == []``).
- ``xquad``: ``xquad/xquad.{lang}.json`` (test); train/dev are SQuAD v1.1, as in XTREME.
- ``mlqa``: ``mlqa/MLQA_V1/{dev,test}/{split}-context-{lang}-question-{lang}.json``; train = SQuAD v1.1.
- ``tydiqa``: ``tydiqa/tydiqa-goldp-v1.1-train/tydiqa.goldp.en.train.json`` (train) and
  ``tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.goldp.{lang}.dev.json`` (test: XTREME's name for it).
- every task: the ``datasets`` export ``<task>/<split>-<lang>.jsonl`` (see :mod:`.hf_export`).

Answer spans are checked (and within a few characters repaired) by :mod:`.spans`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.hf_export import parse_qa_export
from xstilts.tasks.readers.sources import Example, ReadContext, read_task
from xstilts.tasks.readers.spans import FIX, Locate, SpanChecker
from xstilts.tasks.readers.textfile import ENCODING, json_error
from xstilts.tasks.spec import ReadRequest, TaskSpec


def _locator(raw: str, qid: str) -> Locate:
    """The line where question ``qid`` occurs, searched only when an error needs it (a search per
    question would be quadratic in a 30 MB file; SQuAD files are often a single line anyway)."""

    def locate() -> int:
        offset = raw.find(f'"{qid}"')
        return raw.count("\n", 0, offset) + 1 if offset >= 0 else 1

    return locate


def _first_line() -> int:
    return 1


def parse_squad_json(path: Path, context: ReadContext) -> list[Example]:
    """Parse a SQuAD-format JSON file into span-QA examples."""
    with open(path, encoding=ENCODING) as handle:
        raw = handle.read()
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise json_error(path, error) from None
    articles = document.get("data") if isinstance(document, Mapping) else None
    if not isinstance(articles, list):
        raise DataFormatError(
            "no 'data' list at the top level",
            file=path,
            line=1,
            fix="a SQuAD file is {'data': [articles], ...}",
        )
    checker = SpanChecker(path, allow_no_answer=context.spec.allows_no_answer)
    examples: list[Example] = []
    for a, article in enumerate(articles):
        paragraphs = _get(article, "paragraphs", list, path, _first_line, f"data[{a}]")
        for p, paragraph in enumerate(paragraphs):
            where = f"data[{a}].paragraphs[{p}]"
            text = _get(paragraph, "context", str, path, _first_line, where)
            for q, qa in enumerate(_get(paragraph, "qas", list, path, _first_line, where)):
                where_q = f"{where}.qas[{q}]"
                qid = str(_get(qa, "id", (str, int), path, _first_line, where_q))
                locate = _locator(raw, qid)
                question = _get(qa, "question", str, path, locate, where_q)
                raw_answers = (
                    [] if qa.get("is_impossible") else _get(qa, "answers", list, path, locate, where_q)
                )
                pairs = [
                    (answer.get("text"), answer.get("answer_start"))
                    for answer in _dicts(raw_answers, path, locate)
                ]
                examples.append(
                    {
                        "id": qid,
                        "context": text,
                        "question": question,
                        "answers": checker.answers(text, pairs, locate, where_q),
                    }
                )
    return checker.finish(examples, unlabelled=context.unlabelled)


def _get(node: Any, key: str, kind: type | tuple[type, ...], path: Path, locate: Locate, where: str) -> Any:
    if not isinstance(node, Mapping) or key not in node:
        raise DataFormatError(
            f"{where}: missing {key!r}", file=path, line=locate(), fix="follow the SQuAD JSON layout"
        )
    value = node[key]
    if not isinstance(value, kind):
        raise DataFormatError(
            f"{where}: {key!r} has the wrong type",
            file=path,
            line=locate(),
            fix="follow the SQuAD JSON layout",
        )
    return value


def _dicts(items: list[Any], path: Path, locate: Locate) -> list[Mapping[str, Any]]:
    if not all(isinstance(item, Mapping) for item in items):
        raise DataFormatError("an answer is not an object", file=path, line=locate(), fix=FIX)
    return items


_PARSERS = {"": parse_squad_json, ".jsonl": parse_qa_export}


def read_squad(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    """SQuAD JSON (or its export) of any span-QA task: squad_v1/v2, xquad, mlqa, tydiqa."""
    return read_task(spec, request, _PARSERS)
