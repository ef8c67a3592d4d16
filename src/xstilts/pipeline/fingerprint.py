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
        recorded = _manifest_hashes(str(manifest), stat.st_mtime_ns).get(relative)
        size = _manifest_sizes(str(manifest), stat.st_mtime_ns).get(relative)
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
def _manifest_sizes(manifest: str, _mtime: int) -> dict[str, int]:
    """Relative path -> size in bytes, for manifests that record one (``size`` or ``bytes``)."""
    try:
        data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict) and "/" in key:
                    size = value.get("size", value.get("bytes"))
                    if isinstance(size, int):
                        found[key] = size
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


@cache
def _manifest_hashes(manifest: str, _mtime: int) -> dict[str, str]:
    """Relative path -> sha256 from a dataset manifest (any nesting: find 'files' dicts)."""
    try:
        data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if (
                    isinstance(value, str)
                    and len(value) == 64
                    and key.endswith((".jsonl", ".json", ".tsv", ".csv"))
                ):
                    found[key] = value
                elif isinstance(value, dict) and isinstance(value.get("sha256"), str) and "/" in key:
                    found[key] = value["sha256"]
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


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
