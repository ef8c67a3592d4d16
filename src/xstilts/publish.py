"""Atomic directory publishing: the one "build in a temporary sibling, then rename" helper.

Everything xstilts writes as a folder (artifacts, feature caches, built datasets, installed
models) must either be there complete or not at all, also after ``kill -9`` or a full disk. The
recipe is the same everywhere, so it lives here once:

1. an empty temporary folder is made *beside* the destination (same file system, so the final
   ``rename`` is atomic), optionally holding a lease (:mod:`xstilts.leases`) so that cleanup can
   tell a killed process's leftovers from a live one's work;
2. the caller fills it inside the ``with`` block;
3. its files are flushed to disk (``fsync``), its lease removed, then it is renamed into place and
   the parent folder is flushed, so a power cut cannot publish a folder of empty files;
4. on any error (``KeyboardInterrupt`` included) the temporary folder is removed and the
   destination is left as it was.

What an existing destination means differs between callers, so it is a choice:

- ``replace`` (a rebuild: datasets, installed models): the old folder is moved aside, the new one
  renamed in, then the old one removed; if the rename fails the old folder is put back;
- ``complete=`` (content-addressed folders: artifacts, features): a destination for which
  ``complete(destination)`` holds was published by another process from the same inputs, so it
  wins and this process's copy is dropped; an incomplete leftover is replaced (or handed to
  ``set_aside``, e.g. to keep it for inspection).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from xstilts.leases import HEARTBEAT, LEASE, write_owner


@contextmanager
def publishing(
    destination: Path,
    *,
    prefix: str | None = None,
    leased: bool = False,
    complete: Callable[[Path], bool] | None = None,
    set_aside: Callable[[Path], object] | None = None,
    fsync: bool = True,
) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``destination``; on success it becomes ``destination``.

    ``prefix`` names the temporary folder (default ``.<name>.tmp-<pid>-``): cleanup code finds
    leftovers by it. ``leased`` puts a heartbeat-refreshed lease in the folder while it is filled
    (removed before publishing). ``complete`` switches from "replace" to "first complete copy
    wins" (see the module docstring); ``set_aside`` moves an incomplete destination out of the
    way instead of deleting it.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    name = prefix if prefix is not None else f".{destination.name}.tmp-{os.getpid()}-"
    tmp = Path(tempfile.mkdtemp(prefix=name, dir=destination.parent))
    lease = tmp / LEASE
    try:
        if leased:
            write_owner(lease)
            HEARTBEAT.add(lease)
        yield tmp
        if fsync:  # while still leased: a kill during the flush leaves a folder found dead at once
            _fsync_tree(tmp)
        if leased:
            HEARTBEAT.discard(lease)
            lease.unlink(missing_ok=True)
        _rename_into_place(tmp, destination, complete, set_aside)
        if fsync:
            _fsync_dir(destination.parent)
    except BaseException:
        HEARTBEAT.discard(lease)
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _rename_into_place(
    tmp: Path,
    destination: Path,
    complete: Callable[[Path], bool] | None,
    set_aside: Callable[[Path], object] | None,
) -> None:
    """Rename ``tmp`` to ``destination`` following the existing-destination rule."""
    if complete is not None and complete(destination):
        shutil.rmtree(tmp, ignore_errors=True)  # another process published the same content
        return
    retired = None
    if destination.exists():
        if set_aside is not None:
            set_aside(destination)
        else:
            retired = destination.with_name(f".{destination.name}.old-{os.getpid()}")
            shutil.rmtree(retired, ignore_errors=True)
            with suppress(FileNotFoundError):  # another process moved it first
                os.replace(destination, retired)
    try:
        os.replace(tmp, destination)
    except OSError as error:
        lost_race = error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR)
        if complete is not None and lost_race and complete(destination):
            shutil.rmtree(tmp, ignore_errors=True)  # lost the race to an identical copy
            return
        if retired is not None and retired.exists() and not destination.exists():
            os.replace(retired, destination)  # put the previous folder back
        raise
    finally:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` (best effort where the OS refuses)."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle, suppress(OSError):
                os.fsync(handle.fileno())
        elif path.is_dir():
            _fsync_dir(path)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (names), so a rename survives a power cut."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
