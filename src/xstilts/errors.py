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
