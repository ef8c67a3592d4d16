"""Adversarial NLI (ANLI v1.0) JSON Lines, all three rounds as one task.

The release (``anli_v1.0.zip``) unpacks to ``anli_v1.0/R{1,2,3}/{train,dev,test}.jsonl``; records
are ``{"uid", "context", "hypothesis", "label": "e"|"n"|"c", "reason", ...}`` (the premise is
called ``context``). A split of the task is the concatenation of R1, R2 and R3, as Phang et al.
(2020) train on; the spec's ``files`` pattern names R1 (how the split is found on disk) and the
reader requires all three rounds. The Hugging Face ``anli`` loader downloads ``anli_v0.1.zip``,
whose ``anli_v0.1/R{1,2,3}/`` holds the same records: read the same way. Fallback: the ``datasets`` export (``anli``, whose premise is
``premise`` and label a ClassLabel index) concatenated over rounds at ``anli/{split}-en.jsonl``.
"""

from __future__ import annotations

from pathlib import Path

from xstilts.errors import MissingResourceError
from xstilts.tasks.readers.hf_export import parse_pair_export
from xstilts.tasks.readers.labels import ANLI_SPELLINGS, label_name
from xstilts.tasks.readers.sources import Example, ReadContext, read_task
from xstilts.tasks.readers.textfile import field, first_field, iter_jsonl
from xstilts.tasks.spec import ReadRequest, TaskSpec

ROUNDS = ("R1", "R2", "R3")
_FIX = "ANLI records have uid, context (the premise), hypothesis and label e/n/c"


def parse_anli_round(path: Path, context: ReadContext) -> list[Example]:
    """One round's file."""
    return [
        {
            "id": str(field(record, "uid", path, line, _FIX)),
            "text_a": first_field(record, ("context", "premise"), path, line, _FIX),
            "text_b": field(record, "hypothesis", path, line, _FIX),
            "label": label_name(
                field(record, "label", path, line, _FIX), context, path, line, ANLI_SPELLINGS
            ),
        }
        for line, record in iter_jsonl(path)
    ]


def parse_anli_rounds(first_round: Path, context: ReadContext) -> list[Example]:
    """R1, R2 and R3 of the split, found next to the R1 file."""
    root = first_round.parent.parent
    paths = [root / name / first_round.name for name in ROUNDS]
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise MissingResourceError(
            f"ANLI {context.split} needs all three rounds; missing {', '.join(p.parent.name for p in missing)}",
            file=missing[0],
            fix="unpack the complete anli_v1.0.zip",
        )
    examples: list[Example] = []
    for path in paths:
        examples.extend(parse_anli_round(path, context))
    return examples


def parse_anli_jsonl(path: Path, context: ReadContext) -> list[Example]:
    """A fallback JSON Lines file: the Hugging Face download folder's rounds, or a ``datasets`` export."""
    if path.parent.name in ROUNDS:  # anli_v0.1/R1/<split>.jsonl
        return parse_anli_rounds(path, context)
    return parse_pair_export(path, context)


def read_anli(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_anli_rounds, ".jsonl": parse_anli_jsonl})
