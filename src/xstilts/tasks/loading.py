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

from xstilts.errors import DataFormatError, MissingResourceError, decode_error
from xstilts.pipeline.fingerprint import data_fingerprint, stable_hash
from xstilts.tasks.readers.sources import ReleaseTaskSpec
from xstilts.tasks.spec import EXAMPLE_FIELDS, MINING_FIELDS, TaskSpec, TaskType


def read_examples(
    spec: TaskSpec, data_root: Path, split: str, language: str, limit: int | None = None, seed: int = 0
) -> list[dict[str, Any]]:
    try:
        examples = spec.read(data_root, split, language)
    except UnicodeDecodeError as error:  # readers decode UTF-8: name the file and the bad byte
        raise decode_error(error, spec.path(data_root, split, language), "data file") from None
    required = EXAMPLE_FIELDS[spec.task_type]
    if examples and spec.task_type is TaskType.RETRIEVAL and "side" in examples[0]:
        required = MINING_FIELDS
    if examples:
        missing = [f for f in required if f not in examples[0]]
        if missing:
            raise DataFormatError(
                f"reader of task {spec.name!r} returned examples without fields {missing}",
                file=spec.path(data_root, split, language),
            )
    if limit is not None and len(examples) > limit:
        ranked = sorted(range(len(examples)), key=lambda i: (_id_hash(examples[i].get("id", i), seed), i))
        keep = sorted(ranked[:limit])
        examples = [examples[i] for i in keep]
    return examples


def _id_hash(identifier: object, seed: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{identifier}".encode(), digest_size=8).digest()


def source_fingerprint(spec: TaskSpec, data_root: Path, split: str, language: str) -> str:
    """Fingerprint of the data a (split, language) is read from: every file the reader may use.

    The declared release file alone is not enough: when it is absent or withholds its labels,
    the reader uses a fallback (an original release, an export), and a change there must change
    the fingerprint (feature caches and job keys depend on it). With only the release file on
    disk this is that file's fingerprint, as before.
    """
    root = Path(data_root)
    release = spec.files[split].format(lang=language) if split in spec.files else None
    sources = spec.existing_sources(root, split, language) if isinstance(spec, ReleaseTaskSpec) else []
    relative = [path.relative_to(root).as_posix() for path in sources]
    if release is not None and relative in ([], [release]):
        if not relative and not (root / release).parent.exists():
            _missing(spec, root, split, language, release)
        return data_fingerprint(root, release)
    if not relative:
        _missing(spec, root, split, language, release or split)
    return stable_hash(["sources", [(name, data_fingerprint(root, name)) for name in relative]])


def _missing(spec: TaskSpec, root: Path, split: str, language: str, expected: str) -> None:
    hint = "run: xstilts data build ..." if spec.default_data_subdir else "check --data-dir / data_dir"
    raise MissingResourceError(
        f"task {spec.name!r} has no {split} data for {language!r}", file=root / expected, fix=hint
    )


def subsample_fingerprint(data_fingerprint: str, n_examples: int, limit: int | None, seed: int) -> str:
    """Identity of the exact example subset (for feature caches)."""
    return stable_hash([data_fingerprint, n_examples, limit, seed], length=16)
