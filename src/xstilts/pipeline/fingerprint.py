"""Content hashes: what made an artifact, and what a data file contains.

An artifact's key is the hash of everything that determines it (engine version, model weights
revision, task versions, data fingerprints, hyperparameters, seed, resolved precision) — so a
change to any of them builds a new artifact, and an unchanged job is never redone.
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from xstilts import __version__
from xstilts.hashing import file_sha256, stable_hash
from xstilts.tasks.spec import TaskSpec

__all__ = ["file_sha256", "stable_hash"]  # re-exported: the pipeline's callers import them from here

# Bump when training/evaluation code changes what an artifact would contain.
ENGINE_VERSION = "1"


def data_fingerprint(data_root: Path, relative: str) -> str:
    """Fingerprint one data file: the manifest's content hash for built datasets, else sha256.

    The manifest's hash is trusted only while the file is as the build left it: same size (where
    the manifest records one) and not modified after the manifest was written (builders write
    the manifest last). An edited file is re-hashed, so edited data changes the fingerprint and
    therefore every job and feature cache that read it.

    Readers of some formats fall back to sibling files (e.g. a Hugging Face export when the
    release file is absent); when the declared file does not exist, the folder listing (names,
    sizes) stands in so that adding or changing any file there changes the fingerprint.
    """
    path = data_root / relative
    manifest = data_root / "manifest.json"
    if manifest.is_file() and path.is_file():
        stat = manifest.stat()
        hashes, sizes = _manifest_files(str(manifest), stat.st_mtime_ns)
        recorded, size = hashes.get(relative), sizes.get(relative)
        if recorded and _as_built(path, size, stat.st_mtime_ns):
            return recorded
    if path.is_file():
        return file_sha256(path)
    folder = path.parent
    if folder.is_dir():
        listing = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
        return stable_hash(["listing", relative, listing])
    return stable_hash(["missing", relative])


def _as_built(path: Path, recorded_size: int | None, manifest_mtime_ns: int) -> bool:
    """True when nothing suggests the file changed since the manifest recorded it."""
    stat = path.stat()
    if recorded_size is not None and recorded_size != stat.st_size:
        return False
    return stat.st_mtime_ns <= manifest_mtime_ns


@cache
def _manifest_files(manifest: str, _mtime: int) -> tuple[dict[str, str], dict[str, int]]:
    """(relative path -> sha256, relative path -> size) from a dataset manifest, at any nesting.

    Both builders' layouts are understood: ``{"files": {"de/test.jsonl": {"sha256": ..., "bytes": ...}}}``
    and flat ``{"de/test.jsonl": "<sha256>"}`` entries. ``_mtime`` keys the cache to the file's version.
    """
    try:
        data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if (
                isinstance(value, str)
                and len(value) == 64
                and key.endswith((".jsonl", ".json", ".tsv", ".csv"))
            ):
                hashes[key] = value
            elif isinstance(value, dict) and "/" in key and isinstance(value.get("sha256"), str):
                hashes[key] = value["sha256"]
                size = value.get("size", value.get("bytes"))
                if isinstance(size, int):
                    sizes[key] = size
            else:
                walk(value)

    walk(data)
    return hashes, sizes


@cache
def code_version() -> str:
    """Package version + git commit (and '+dirty') when running from a checkout."""
    root = Path(__file__).resolve().parents[3]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "src"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    suffix = f"+g{commit}" if commit else ""
    return f"{__version__}{suffix}{'.dirty' if dirty else ''}"


def source_fingerprint(spec: TaskSpec, data_root: Path, split: str, language: str) -> str:
    """Fingerprint of the data a (split, language) is read from: every file the reader may use.

    The declared release file alone is not enough: when it is absent or withholds its labels,
    the reader uses a fallback (an original release, an export), and a change there must change
    the fingerprint (feature caches and job keys depend on it). With only the release file on
    disk this is that file's fingerprint, as before. The files are the ones the task's locator
    (:meth:`TaskSpec.locate`) tries, so planner, fingerprint and reader agree on where data lives.
    """
    root = Path(data_root)
    release = spec.files[split].format(lang=language) if split in spec.files else None
    sources = spec.existing_sources(root, split, language)
    relative = [path.relative_to(root).as_posix() for path in sources]
    if release is not None and relative in ([], [release]):
        if not relative and not (root / release).parent.exists():
            spec.locate(root, split, language)  # raises, naming every place tried
        return data_fingerprint(root, release)
    if not relative:
        spec.locate(root, split, language)
    return stable_hash(["sources", [(name, data_fingerprint(root, name)) for name in relative]])
