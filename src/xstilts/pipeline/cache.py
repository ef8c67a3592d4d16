"""Artifacts on disk, written atomically, found by content hash, checked before use.

An artifact is a folder ``<root>/<kind>/<key>/`` that exists only when complete: it is built in a
temporary sibling and renamed into place as the last step (:mod:`xstilts.publish`; ``os.replace``
is atomic on one filesystem), and ``meta.json`` is written inside it before that rename. ``meta.json`` records the
size, sha256 and mtime of every file, so a truncated, edited or deleted file is found before it is
used (size always; the hash when size or mtime changed; every hash in :meth:`verify`).

Several processes may share the root (two runs, Ray workers on other hosts, other PID
namespaces): every temporary folder holds a lease (:mod:`xstilts.leases`), cleanup removes
only folders whose owner is provably dead, and a job is claimed before it is built so two runs
split the work instead of doing it twice.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from xstilts.errors import CorruptArtifactError
from xstilts.hashing import sha256_file
from xstilts.leases import HEARTBEAT, LEASE, Owner, folder_is_dead, read_owner, write_owner
from xstilts.publish import publishing

META = "meta.json"
FILES = "files"  # meta.json's record of the published files
_TMP_PREFIX = ".tmp-"
_CLAIM_PREFIX = ".claim-"
_CORRUPT_PREFIX = ".corrupt-"


def inventory(folder: Path) -> dict[str, dict[str, Any]]:
    """Relative path -> size, sha256, mtime of every file (meta.json and the lease excluded)."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative in (META, LEASE):
            continue
        stat = path.stat()
        out[relative] = {"size": stat.st_size, "sha256": sha256_file(path), "mtime_ns": stat.st_mtime_ns}
    return out


class ArtifactCache:
    def __init__(self, root: Path, *, create: bool = True) -> None:
        self.root = Path(root)
        if create:
            self.root.mkdir(parents=True, exist_ok=True)

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def is_complete(self, kind: str, key: str) -> bool:
        return (self.path(kind, key) / META).is_file()

    def meta(self, kind: str, key: str) -> dict[str, Any]:
        path = self.path(kind, key) / META
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise CorruptArtifactError(
                "artifact metadata is not valid JSON", file=path, fix="rerun: the artifact is rebuilt"
            ) from None

    # -- publishing -----------------------------------------------------------------------
    @contextmanager
    def build(self, kind: str, key: str, meta: dict[str, Any]) -> Iterator[Path]:
        """Yield a leased temporary folder to fill; on success it becomes the artifact.

        Published with :func:`xstilts.publish.publishing`: an artifact another process published
        under the key first is success (same key, same inputs); an incomplete leftover there
        (meta.json deleted) is kept aside for inspection, not in the way.
        """
        final = self.path(kind, key)
        with publishing(
            final,
            prefix=f"{_TMP_PREFIX}{key}-{os.getpid()}-",
            leased=True,
            complete=lambda folder: (folder / META).is_file(),
            set_aside=self._move_aside,
        ) as tmp:
            yield tmp
            meta[FILES] = inventory(tmp)
            (tmp / META).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str), encoding="utf-8")

    # -- integrity ------------------------------------------------------------------------
    def check(self, kind: str, key: str, *, full: bool = False) -> str | None:
        """The first problem of a complete artifact (None when sound).

        Sizes are always compared; a file's sha256 when its size or mtime changed, or always
        with ``full``. Artifacts published before files were recorded are trusted as they are.
        """
        folder = self.path(kind, key)
        try:
            meta = self.meta(kind, key)
        except CorruptArtifactError as error:
            return error.one_line()
        except OSError as error:
            return f"{folder / META}: cannot read ({error.strerror})"
        touched = False
        for relative, record in (meta.get(FILES) or {}).items():
            path = folder / relative
            try:
                stat = path.stat()
            except FileNotFoundError:
                return f"{path}: file missing from the artifact"
            if stat.st_size != record["size"]:
                return f"{path}: {stat.st_size} bytes, {record['size']} when published (truncated or edited)"
            moved = stat.st_mtime_ns != record.get("mtime_ns")
            if (full or moved) and sha256_file(path) != record["sha256"]:
                return f"{path}: content differs from its sha256 at publication (edited or bit rot)"
            if moved:  # same content, new mtime (copied without -p): remember, so it is hashed once
                record["mtime_ns"], touched = stat.st_mtime_ns, True
        if touched:
            self._rewrite_meta(folder, meta)
        return None

    @staticmethod
    def _rewrite_meta(folder: Path, meta: dict[str, Any]) -> None:
        """Replace meta.json atomically; on read-only media the hash is simply checked again next time."""
        draft = folder / f".{META}.{os.getpid()}"
        with suppress(OSError):
            draft.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str), encoding="utf-8")
            os.replace(draft, folder / META)

    def quarantine(self, kind: str, key: str) -> Path | None:
        """Move a corrupt artifact aside (kept for inspection) so that the key can be rebuilt."""
        return self._move_aside(self.path(kind, key))

    def _move_aside(self, folder: Path) -> Path | None:
        aside = folder.with_name(
            f"{_CORRUPT_PREFIX}{folder.name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        )
        try:
            os.replace(folder, aside)
        except FileNotFoundError:
            return None  # another process moved it first
        return aside

    # -- claims ---------------------------------------------------------------------------
    def claim_path(self, kind: str, key: str) -> Path:
        return self.root / kind / f"{_CLAIM_PREFIX}{key}"

    def try_claim(self, kind: str, key: str) -> Path | None:
        """Claim a job for this process; None while another live process holds it.

        The claim is a lease file created with ``link`` (atomic create-if-absent, also on NFS);
        a claim whose owner is provably dead is taken over.
        """
        claim = self.claim_path(kind, key)
        claim.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            draft = claim.with_name(f"{claim.name}.{os.getpid()}.draft")
            write_owner(draft)
            try:
                os.link(draft, claim)
            except FileExistsError:
                owner = read_owner(claim)
                if owner is not None and owner.is_me():
                    return claim
                if owner is None or not owner.is_dead():
                    return None
                self._bury(claim, owner)
                continue
            finally:
                draft.unlink(missing_ok=True)
            HEARTBEAT.add(claim)
            return claim
        return None

    def _bury(self, claim: Path, dead: Owner) -> None:
        """Remove a dead owner's claim, putting back one that a faster process just took."""
        grave = claim.with_name(f"{claim.name}.{os.getpid()}.dead")
        try:
            os.replace(claim, grave)
        except FileNotFoundError:
            return
        now = read_owner(grave)
        if now is not None and now != dead and not now.is_dead():
            with suppress(FileExistsError):
                os.link(grave, claim)
        grave.unlink(missing_ok=True)

    def release(self, claim: Path) -> None:
        HEARTBEAT.discard(claim)
        owner = read_owner(claim)
        if owner is not None and owner.is_me():
            claim.unlink(missing_ok=True)

    def claim_holder(self, kind: str, key: str) -> Owner | None:
        return read_owner(self.claim_path(kind, key))

    # -- cleanup --------------------------------------------------------------------------
    def stale(self) -> list[Path]:
        """Temporary folders and claims whose owners are provably dead (nothing is removed)."""
        if not self.root.is_dir():
            return []
        found = [tmp for tmp in self.root.glob(f"*/{_TMP_PREFIX}*") if tmp.is_dir() and folder_is_dead(tmp)]
        for claim in self.root.glob(f"*/{_CLAIM_PREFIX}*"):
            if claim.name.endswith((".draft", ".dead")):
                continue
            owner = read_owner(claim)
            if owner is not None and owner.is_dead():
                found.append(claim)
        return found

    def clean_stale(self) -> int:
        """Remove what :meth:`stale` finds (never the live work of any process, on any host)."""
        removed = 0
        for path in self.stale():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed += 1
        return removed
