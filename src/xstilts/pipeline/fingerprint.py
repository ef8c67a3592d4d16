"""Content hashes: what made an artifact, and what a data file contains.

An artifact's key is the hash of everything that determines it (engine version, model weights
revision, task versions, data fingerprints, hyperparameters, seed, resolved precision) — so a
change to any of them builds a new artifact, and an unchanged job is never redone.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from xstilts import __version__
from xstilts.data.manifest import MANIFEST, DatasetManifest, read_manifest
from xstilts.hashing import file_sha256, stable_hash
from xstilts.tasks.spec import TaskSpec

__all__ = ["file_sha256", "stable_hash"]  # re-exported: the pipeline's callers import them from here

# Bump when training/evaluation code changes what an artifact would contain.
ENGINE_VERSION = "2"  # 2: warm-up from 0 (transformers schedule), exact CPU padding, one retrieval pass


def data_fingerprint(data_root: Path, relative: str) -> str:
    """Fingerprint one data file: the manifest's content hash for built datasets, else sha256.

    The manifest (:class:`~xstilts.data.manifest.DatasetManifest`, the schema every builder
    writes) is trusted only while the file is as the build left it: same size and not modified
    after the manifest was written (builders write it last). An edited file is re-hashed, so
    edited data changes the fingerprint and therefore every job and feature cache that read it.
    A manifest from an older xstilts stops with one line saying to rebuild.

    Readers of some formats fall back to sibling files (e.g. a Hugging Face export when the
    release file is absent); when the declared file does not exist, the folder listing (names,
    sizes) stands in so that adding or changing any file there changes the fingerprint.
    """
    path = data_root / relative
    manifest_path = data_root / MANIFEST
    if manifest_path.is_file() and path.is_file():
        stat = manifest_path.stat()
        manifest = _manifest(str(data_root), stat.st_mtime_ns, stat.st_size)
        record = manifest.files.get(relative) if manifest is not None else None
        if record is not None and _as_built(path, record.bytes, stat.st_mtime_ns):
            return record.sha256
    if path.is_file():
        return file_sha256(path)
    folder = path.parent
    if folder.is_dir():
        listing = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
        return stable_hash(["listing", relative, listing])
    return stable_hash(["missing", relative])


def _as_built(path: Path, recorded_size: int, manifest_mtime_ns: int) -> bool:
    """True when nothing suggests the file changed since the manifest recorded it."""
    stat = path.stat()
    return recorded_size == stat.st_size and stat.st_mtime_ns <= manifest_mtime_ns


@cache
def _manifest(data_root: str, _mtime_ns: int, _size: int) -> DatasetManifest | None:
    """The data root's manifest, read once per version of it (``_mtime_ns``, ``_size`` key the cache)."""
    return read_manifest(Path(data_root))


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
