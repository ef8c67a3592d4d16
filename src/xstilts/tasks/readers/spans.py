"""Answer spans of extractive QA: every answer must lie inside its context.

Each answer must lie in its context: ``context[start:start+len(text)] == text``.
Releases are exact (XTREME asserts it for XQuAD, MLQA and TyDiQA), but re-exported copies can
be off by a few characters (a stripped context, a normalised character before the answer). Rule:
an answer whose text occurs within :data:`SPAN_REPAIR_WINDOW` characters of its ``answer_start``
is moved to the nearest such occurrence (a warning counts them per file); an answer found
nowhere near its offset is an error, because guessing a far occurrence could pick the wrong one.

XTREME's download script blanks test answers (one ``{"text": "", "answer_start": 0}`` per
question): such a file counts as labels withheld and the reader moves on to the export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.sources import Example, LabelsWithheld

SPAN_REPAIR_WINDOW = 16
Locate = Callable[[], "int | None"]  # the line of the current question, computed only for an error
_log = logging.getLogger(__name__)
FIX = "each answer needs 'text' and 'answer_start' with context[answer_start:][:len(text)] == text"


def place_answer(context: str, text: str, start: int) -> int | None:
    """Where ``text`` starts in ``context``: ``start`` if exact, else the nearest occurrence within
    :data:`SPAN_REPAIR_WINDOW` characters, else ``None``."""
    if start >= 0 and context.startswith(text, start):
        return start
    low = max(0, start - SPAN_REPAIR_WINDOW)
    high = min(len(context), max(0, start) + len(text) + SPAN_REPAIR_WINDOW)
    best = None
    position = context.find(text, low, high)
    while position != -1:
        if best is None or abs(position - start) < abs(best - start):
            best = position
        position = context.find(text, position + 1, high)
    return best


class SpanChecker:
    """Validates (and within the window repairs) the answers of one file."""

    def __init__(self, path: Path, allow_no_answer: bool) -> None:
        self.path = path
        self.allow_no_answer = allow_no_answer
        self.repaired = 0
        self.blank = 0
        self.first_blank: tuple[Locate, str] | None = None

    def answers(
        self, context: str, pairs: Iterable[tuple[Any, Any]], locate: Locate, where: str
    ) -> list[dict[str, Any]]:
        """The checked answers of one question; ``locate()`` gives its line, only for errors."""
        checked = []
        for text, start in pairs:
            if not isinstance(text, str) or isinstance(start, bool) or not isinstance(start, int):
                raise DataFormatError(
                    f"{where}: malformed answer {text!r} at {start!r}", file=self.path, line=locate(), fix=FIX
                )
            if text == "":
                self.blank += 1
                self.first_blank = self.first_blank or (locate, where)
                return []
            placed = place_answer(context, text, start)
            if placed is None and text.strip() != text:
                text = text.strip()
                placed = place_answer(context, text, start)
            if placed is None:
                raise DataFormatError(
                    f"{where}: answer {_short(text)!r} at {start} is outside its context "
                    f"(context has {len(context)} characters; found there: {_short(context[max(start, 0) :][: len(text)])!r})",
                    file=self.path,
                    line=locate(),
                    fix=FIX,
                )
            self.repaired += placed != start
            checked.append({"text": text, "answer_start": placed})
        if not checked and not self.allow_no_answer:
            raise DataFormatError(
                f"{where}: question without an answer",
                file=self.path,
                line=locate(),
                fix="this task needs one gold answer",
            )
        return checked

    def finish(self, examples: list[Example], unlabelled: bool = False) -> list[Example]:
        """The examples, once every answer was checked; ``unlabelled``: see ``unlabelled_reading``."""
        if self.blank and self.blank == len(examples) and unlabelled:
            return [{**example, "answers": None} for example in examples]  # read for prediction only
        if self.blank and self.blank == len(examples):
            raise LabelsWithheld(
                "every answer is blank: XTREME's download script removed this file's gold answers",
                file=self.path,
                line=self.first_blank[0]() if self.first_blank else None,
                fix="use the original release file (same name) instead of XTREME's copy",
            )
        if self.blank:
            locate, where = self.first_blank or (lambda: None, "")
            raise DataFormatError(f"{where}: blank answer text", file=self.path, line=locate(), fix=FIX)
        if self.repaired:
            _log.warning(
                "%s: moved %d answer start(s) by at most %d characters to where the answer text occurs",
                self.path,
                self.repaired,
                SPAN_REPAIR_WINDOW,
            )
        return examples


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
