"""Content hashes: the one place that turns files and payloads into the hex digests that key
artifacts, datasets and downloads, so every layer (tasks, data builders, pipeline) agrees."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20
_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def stable_hash(payload: Any, length: int = 20) -> str:
    """Hash of a JSON-serialisable payload, independent of key order and process."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks (files may be larger than memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """:func:`sha256_file`, memoised per (path, size, mtime) for the life of the process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_HASHES:
        _FILE_HASHES[key] = sha256_file(path)
    return _FILE_HASHES[key]
