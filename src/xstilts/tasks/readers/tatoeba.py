"""Tatoeba (LASER's v1 test sets): aligned sentences, one per line, English on one side.

Files: ``tatoeba/{lang}-en.{lang}`` and ``tatoeba/{lang}-en.en``, line *i* of one translating
line *i* of the other (the LASER release ``tatoeba.{xxx}-eng.{xxx}``/``.eng`` renamed to XTREME's
names). Examples are ``{"id", "source", "target"}`` with ``source`` the English sentence and
``target`` the other language's, so the gold target of source row *i* is row *i*.

XTREME's ``utils_preprocess.py`` *sorts* the English file to hide the alignment (the gold labels
are withheld for its leaderboard). An English side that is in sorted order (checked when it has at
least :data:`MIN_LINES_TO_DETECT_SORTING` lines; a real aligned file is never sorted by chance)
counts as labels withheld; the reader then uses the ``datasets`` export
``tatoeba/test-{lang}.jsonl`` (``xtreme`` ``tatoeba.{xxx}``: ``source_sentence`` is the non-English
side, ``target_sentence`` English) or asks for LASER's unsorted files. Inside ``unlabelled_reading``
(predict-only evaluation) the sorted files are read with ``"aligned": False``: each sentence of the
language is predicted a line of the sorted English file, XTREME's submission format.
"""

from __future__ import annotations

from pathlib import Path

from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks.readers.hf_export import parse_aligned_export
from xstilts.tasks.readers.sources import Example, LabelsWithheld, ReadContext, read_task
from xstilts.tasks.readers.textfile import iter_lines
from xstilts.tasks.spec import ReadRequest, TaskSpec

MIN_LINES_TO_DETECT_SORTING = 20


def _sentences(path: Path) -> list[str]:
    return [line.strip() for _, line in iter_lines(path)]


def parse_tatoeba_pair(target_path: Path, context: ReadContext) -> list[Example]:
    """``{lang}-en.{lang}`` and its English sibling ``{lang}-en.en``."""
    english_path = target_path.with_suffix(".en")
    if not english_path.exists():
        raise MissingResourceError(
            "the English side of the Tatoeba pair is missing",
            file=english_path,
            fix="copy LASER's data/tatoeba/v1/tatoeba.<xxx>-eng.eng to this name",
        )
    targets, sources = _sentences(target_path), _sentences(english_path)
    if len(targets) != len(sources):
        shorter = target_path if len(targets) < len(sources) else english_path
        raise DataFormatError(
            f"{target_path.name} has {len(targets)} lines but {english_path.name} has {len(sources)}",
            file=shorter,
            line=min(len(targets), len(sources)) + 1,
            fix="both sides must have one sentence per line, aligned line by line",
        )
    if len(sources) >= MIN_LINES_TO_DETECT_SORTING and sources == sorted(sources) and context.unlabelled:
        # prediction only: line i of each side, unaligned; predictions are lines of the sorted file
        return [
            {"id": context.example_id(index), "source": source, "target": target, "aligned": False}
            for index, (source, target) in enumerate(zip(sources, targets, strict=True))
        ]
    if len(sources) >= MIN_LINES_TO_DETECT_SORTING and sources == sorted(sources):
        raise LabelsWithheld(
            "the English side is sorted: XTREME's preprocessing hides the alignment",
            file=english_path,
            line=1,
            fix="copy LASER's unsorted data/tatoeba/v1/tatoeba.<xxx>-eng.eng to this name",
        )
    return [
        {"id": context.example_id(index), "source": source, "target": target}
        for index, (source, target) in enumerate(zip(sources, targets, strict=True))
    ]


def read_tatoeba(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_tatoeba_pair, ".jsonl": parse_aligned_export})
