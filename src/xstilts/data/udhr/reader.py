"""Reading ``retrieval/<lang>.jsonl``: the ``udhr-retrieval`` task's examples.

Each line is ``{"id": "a<article>.<position>", "source": English, "target": <lang>}``: aligned
retrieval examples with exactly the fields of :mod:`xstilts.tasks.types.retrieval`. Any line
that is not such an object stops the read with one line naming the file, the line and the fix,
because a silently skipped pair would shift every gold index after it.
"""

from __future__ import annotations

from typing import Any

from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks.readers.textfile import read_built_jsonl
from xstilts.tasks.spec import ReadRequest, TaskSpec

RETRIEVAL_PATTERN = "retrieval/{lang}.jsonl"
_FIELDS = ("id", "source", "target")
_REBUILD = "rebuild the dataset: xstilts data build udhr --force"


def read_retrieval(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """Examples of one language (``split`` is ``test``, the only split: UDHR is never trained on)."""
    split, lang = request.split, request.lang
    path = request.root / RETRIEVAL_PATTERN.format(lang=lang)
    if split != "test":
        raise MissingResourceError(
            f"udhr-retrieval has no split {split!r}", file=path, fix="use split 'test'"
        )
    if not path.is_file():
        raise MissingResourceError(
            f"no UDHR retrieval file for language {lang!r}",
            file=path,
            fix="build the dataset with `xstilts data build udhr`, and use a code listed in its languages.csv",
        )
    examples: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in read_built_jsonl(path, _FIELDS, _REBUILD):
        if row["id"] in seen:
            raise DataFormatError(f"id {row['id']!r} appears twice", file=path, line=number, fix=_REBUILD)
        seen.add(row["id"])
        examples.append({name: row[name] for name in _FIELDS})
    if not examples:
        raise DataFormatError("the file holds no examples", file=path, fix=_REBUILD)
    return examples
