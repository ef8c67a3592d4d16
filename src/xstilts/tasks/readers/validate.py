"""The example contract: what every reader's output must look like, checked in one place.

``xstilts tasks check`` and the reader tests run :func:`check_examples` on everything a reader
returns, so a reader that drifts from its task type's fields and rules (a missing field, a label
outside the declared set, an answer span outside its context: the type objects of
:mod:`xstilts.tasks.types`) is caught whatever the file looked like.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.spec import TaskSpec
from xstilts.tasks.types import get_task_type

_FIX = "this is a reader bug or a file the reader accepted wrongly; report it with the file"


def check_examples(spec: TaskSpec, examples: Sequence[dict[str, Any]], origin: str | Path) -> None:
    """Raise a one-line :class:`DataFormatError` at the first example breaking the contract."""
    kind = get_task_type(spec.task_type)
    labels = frozenset(spec.labels)
    seen_ids: set[str] = set()
    for index, example in enumerate(examples):
        where = f"example {index} (id {example.get('id')!r})"
        missing = [name for name in kind.fields if name not in example]
        if missing:
            raise DataFormatError(f"{where} lacks {', '.join(missing)}", file=origin, fix=_FIX)
        if not isinstance(example["id"], str) or example["id"] in seen_ids:
            raise DataFormatError(f"{where}: ids must be unique strings", file=origin, fix=_FIX)
        seen_ids.add(example["id"])
        # a label-withheld test file is read for prediction only: nothing to check against
        problem = "" if kind.is_unlabelled(example) else kind.problem(example, labels)
        if problem:
            raise DataFormatError(f"{where}: {problem}", file=origin, fix=_FIX)


def is_unlabelled(task_type: str, example: dict[str, Any]) -> bool:
    """True for an example read from a label-withheld file (``unlabelled_reading``)."""
    return get_task_type(task_type).is_unlabelled(example)


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
