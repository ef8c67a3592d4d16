"""Read a task's examples for one (split, language), with a deterministic subsample.

The subsample keeps the examples whose ids hash lowest (salted by ``seed``), in file order. Test
files of parallel tasks share ids across languages (the same English message, the same XNLI
pair), so a limit selects *the same items in every language* — paired comparisons across
languages and conditions stay paired — and the English side of retrieval pairs overlaps across
languages, so it is embedded once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError, decode_error
from xstilts.hashing import stable_hash
from xstilts.tasks.spec import TaskSpec
from xstilts.tasks.types import get_task_type


def read_examples(
    spec: TaskSpec, data_root: Path, split: str, language: str, limit: int | None = None, seed: int = 0
) -> list[dict[str, Any]]:
    try:
        examples = spec.read(data_root, split, language)
    except UnicodeDecodeError as error:  # readers decode UTF-8: name the file and the bad byte
        raise decode_error(error, _read_file(spec, data_root, split, language), "data file") from None
    required = get_task_type(spec.task_type).fields
    if examples:
        missing = [f for f in required if f not in examples[0]]
        if missing:
            raise DataFormatError(
                f"reader of task {spec.name!r} returned examples without fields {missing}",
                file=_read_file(spec, data_root, split, language),
            )
    if limit is not None and len(examples) > limit:
        ranked = sorted(range(len(examples)), key=lambda i: (_id_hash(examples[i].get("id", i), seed), i))
        keep = sorted(ranked[:limit])
        examples = [examples[i] for i in keep]
    return examples


def _read_file(spec: TaskSpec, data_root: Path, split: str, language: str) -> Path:
    """The file a read used, for an error message: the first existing source, else the release path."""
    sources = spec.existing_sources(data_root, split, language)
    return sources[0] if sources else spec.path(data_root, split, language)


def _id_hash(identifier: object, seed: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{identifier}".encode(), digest_size=8).digest()


def subsample_fingerprint(data_fingerprint: str, n_examples: int, limit: int | None, seed: int) -> str:
    """Identity of the exact example subset (for feature caches)."""
    return stable_hash([data_fingerprint, n_examples, limit, seed], length=16)
