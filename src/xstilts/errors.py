"""User-facing errors.

Every error a user can cause (a malformed line, an unknown name, a missing file, a config typo)
is raised as an :class:`XstiltsError`, whose ``str()`` is ONE line that names where the problem is
and how to fix it. The CLI prints that line instead of a traceback; library callers can still
catch the subclasses.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class XstiltsError(Exception):
    """An error with a one-line message: ``FILE:LINE: problem (fix: ...)``."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.line = line
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        text = f"{where}{self.problem}"
        if self.fix:
            text += f" (fix: {self.fix})"
        # One line, always: embedded newlines would break the contract.
        return " ".join(text.split())


class DataFormatError(XstiltsError):
    """A data file does not follow its format."""


class ConfigError(XstiltsError):
    """An experiment or command configuration is invalid."""


class MissingResourceError(XstiltsError):
    """A file, model or dataset that is needed is not on this machine."""


class UnknownNameError(XstiltsError):
    """A name (task, model, language, metric) that no registry knows."""

    def __init__(self, kind: str, name: str, known: Iterable[str], *, file: str | Path | None = None) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        shown = ", ".join(known[:40]) + (", ..." if len(known) > 40 else "")
        super().__init__(f"unknown {kind} {name!r}", file=file, fix=f"{hint}known: {shown}")
        self.name = name
        self.known = known


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A short 'did you mean' hint, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""


class CorruptArtifactError(XstiltsError):
    """A finished artifact's file no longer matches the size or sha256 recorded when it was published."""


class StoreError(XstiltsError):
    """The results store cannot be read or written (corrupt, read-only, full disk)."""


class DiskError(XstiltsError):
    """A read-only, permission-denied or full disk stopped a write."""


_DISK_FIXES = {
    "EROFS": ("read-only file system", "write to a writable folder (output_dir, artifact_dir, XSTILTS_HOME)"),
    "EACCES": ("permission denied", "fix the folder's permissions or choose a folder you may write to"),
    "EPERM": ("operation not permitted", "fix the folder's permissions or choose a folder you may write to"),
    "ENOSPC": ("no space left on device", "free disk space (or move artifact_dir / XSTILTS_HOME) and rerun"),
    "EDQUOT": ("disk quota exceeded", "free space within your quota and rerun"),
}


def disk_error(error: OSError, path: str | Path | None = None) -> DiskError | None:
    """The one-line form of a read-only/permission/full-disk ``OSError``; None for other errors."""
    import errno

    name = errno.errorcode.get(error.errno or 0, "")
    if name not in _DISK_FIXES:
        return None
    problem, fix = _DISK_FIXES[name]
    where = path or error.filename
    return DiskError(
        f"{problem} ({name}); finished jobs are kept, rerun the same command to resume",
        file=where,
        fix=fix,
    )


def decode_error(
    error: UnicodeDecodeError,
    path: str | Path,
    what: str = "file",
    kind: type[XstiltsError] = DataFormatError,
) -> XstiltsError:
    """A non-UTF-8 file: name it and the byte offset of the first bad byte."""
    bad = error.object[error.start : error.start + 4]
    return kind(
        f"{what} is not UTF-8: byte {bad[:1].hex()} at byte offset {error.start} ({error.reason})",
        file=path,
        fix="re-save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
    )


def embedded_os_error(error: BaseException, path: str | Path) -> OSError | None:
    """The ``OSError`` inside a library error that only says "(os error 28)" (safetensors, Rust)."""
    import os
    import re

    found = re.search(r"os error (\d+)", str(error))
    if found is None:
        return None
    code = int(found.group(1))
    return OSError(code, os.strerror(code), str(path))
