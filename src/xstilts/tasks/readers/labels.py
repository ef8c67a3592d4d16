"""Label spellings: what a release writes -> the label names a task declares.

A task's ``labels`` are its label *names*, in the order of the Hugging Face ``ClassLabel`` of its
dataset, so that an integer label in a ``datasets`` export is an index into ``spec.labels``.
Releases spell some labels differently (ANLI ``e``/``n``/``c``, XNLI-MT ``contradictory``, GLUE
``0``/``1``): each reader passes its spelling table; anything outside it and the declared names is
an error, never a silent new class.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.sources import LabelsWithheld, ReadContext

XNLI_SPELLINGS = {"contradictory": "contradiction"}  # XNLI-MT / XTREME translations
ANLI_SPELLINGS = {"e": "entailment", "n": "neutral", "c": "contradiction"}


def label_name(
    raw: str, context: ReadContext, path: Path, line: int, spellings: Mapping[str, str] | None = None
) -> str:
    """The declared label name for a release spelling ``raw``."""
    value = raw.strip()
    name = (spellings or {}).get(value, value)
    allowed = context.spec.labels
    if allowed and name not in allowed:
        shown = ", ".join(allowed) + (f" (or {', '.join(spellings)})" if spellings else "")
        raise DataFormatError(
            f"unknown label {raw!r} for task {context.spec.name}",
            file=path,
            line=line,
            fix=f"labels must be one of {shown}",
        )
    return name


def _is_integer(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def exported_label(value: Any, context: ReadContext, path: Path, line: int) -> str:
    """A label from a ``datasets`` export: a ClassLabel index (int or, as jiant writes it, a digit
    string that is not itself a label name) or the name itself.

    ``-1`` is how ``datasets`` marks an unlabelled (test) example: the labels were withheld.
    """
    labels = context.spec.labels
    if isinstance(value, str) and labels and value not in labels and _is_integer(value):
        value = int(value)  # jiant writes class indices as strings ("0"/"1")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DataFormatError(
            f"label {value!r} is neither a class index nor a name",
            file=path,
            line=line,
            fix="export labels as ints",
        )
    if isinstance(value, int):
        if not labels:
            raise DataFormatError(
                f"label index {value} but task {context.spec.name} has an open label set",
                file=path,
                line=line,
                fix="export the label names (strings), not indices",
            )
        if value == -1:
            raise LabelsWithheld(
                "the export has no gold labels (label -1)",
                file=path,
                line=line,
                fix="export a split that has labels",
            )
        if not 0 <= value < len(labels):
            raise DataFormatError(
                f"label index {value} is outside 0..{len(labels) - 1}",
                file=path,
                line=line,
                fix=f"class indices follow the dataset's ClassLabel order: {', '.join(labels)}",
            )
        return labels[value]
    return label_name(value, context, path, line)
