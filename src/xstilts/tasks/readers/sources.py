"""Which files hold a task's data, in what order they are tried, and how languages are found.

A task's data lives under one *data root*: the xtreme repo's ``download/`` folder, with the
intermediate-task releases unpacked beside it. For every split a :class:`ReleaseTaskSpec` names

- ``files[split]``: the release file where its download step leaves it (XTREME's
  ``scripts/download_data.sh``, or the original archive's own layout); and
- ``fallback_files[split]``: other files holding the same data, tried in order when the release
  file is absent or has its labels withheld (XTREME strips test labels): the UD CoNLL-U
  treebanks for UD-POS and, for every task, the JSON Lines export of its Hugging Face
  ``datasets`` dataset at ``<task>/<split>-<lang>.jsonl`` (``Dataset.to_json`` writes JSON Lines).

Pattern syntax: ``{lang}`` is the language code and may occur twice (MLQA's
``dev-context-{lang}-question-{lang}.json``); ``*`` matches inside one path component (UD treebank
folders); a pattern without ``{lang}`` is a single-language release (SQuAD, GLUE, ANLI, ...) that
holds the task's source language, ``train_languages[0]``. The base :class:`TaskSpec` knows none of
these three cases, hence this subclass (a candidate for folding into ``TaskSpec``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import glob
import importlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks.spec import ReadRequest, TaskSpec

Example = dict[str, Any]


class LabelsWithheld(DataFormatError):
    """A release file whose gold labels were removed (XTREME's test files): try the next source."""


_UNLABELLED_OK: contextvars.ContextVar[bool] = contextvars.ContextVar("unlabelled_ok", default=False)


@contextlib.contextmanager
def unlabelled_reading() -> Iterator[None]:
    """Within this block, a split whose every source withholds its labels is read without them.

    Labelled sources still come first; only when none exists does the reader return the
    label-withheld file's examples with ``label``/``tags`` set to ``None`` (XTREME's test files:
    what a predict-only evaluation and ``xstilts tasks check`` need). Formats that support it:
    XTREME's XNLI/PAWS-X pair files, UD-POS/PAN-X token files and its QA copies whose answers were
    blanked (``remove_qa_test_annotations``; ``answers`` is then ``None``).
    """
    token = _UNLABELLED_OK.set(True)
    try:
        yield
    finally:
        _UNLABELLED_OK.reset(token)


@dataclass(frozen=True)
class Candidate:
    """One place a split may live: its files (a ``*`` pattern may match several) and the pattern."""

    is_release: bool
    files: list[Path]
    pattern: str


# (task, split, language) -> the pattern of the layout the last read of it used. The reader
# signature stays ``reader(spec, request) -> examples``; ``xstilts tasks check`` looks here
# to count examples per layout.
LAYOUTS_READ: dict[tuple[str, str, str], str] = {}
# (task, split, language) -> what the last read of it dropped on purpose, one line each.
NOTES_READ: dict[tuple[str, str, str], list[str]] = {}


class ReleaseTaskSpec(TaskSpec):
    """A :class:`TaskSpec` whose splits may have fallback files (exports, other releases)."""

    fallback_files: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    obtain: str = ""  # how a user gets the release files: the download step that writes them
    # Mining tasks (BUCC): "module:function" reading a split's gold pairs, gold_reader(data_dir,
    # split, lang) -> {(src_id, trg_id)}; `xstilts tasks check` checks them against the corpora.
    gold_reader: str = ""
    # Patterns without {lang} whose one file holds every language of the task (XNLI-1.0's
    # xnli.dev.tsv): tried for any language, the parser keeps that language's rows.
    all_language_files: tuple[str, ...] = ()

    def read_gold(self, data_dir: Path, split: str, lang: str) -> set[tuple[str, str]] | None:
        """The split's gold pairs, or ``None`` for tasks whose examples carry their own gold."""
        if not self.gold_reader:
            return None
        module, _, attr = self.gold_reader.partition(":")
        return getattr(importlib.import_module(module), attr)(Path(data_dir), split, lang)

    @property
    def source_language(self) -> str:
        return self.train_languages[0]

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.files, *self.fallback_files]))

    def patterns(self, split: str) -> tuple[str, ...]:
        release = (self.files[split],) if split in self.files else ()
        return release + tuple(self.fallback_files.get(split, ()))

    def candidates(self, data_dir: Path, split: str, lang: str) -> list[Candidate]:
        """The file groups to try, in order; a group is one file, or every match of a ``*`` pattern.

        A group whose files do not exist is still listed (as the unexpanded path) so that a
        missing-file error can name where the data was expected.
        """
        groups: list[Candidate] = []
        for index, pattern in enumerate(self.patterns(split)):
            shared = pattern in self.all_language_files
            if "{lang}" not in pattern and lang != self.source_language and not shared:
                continue
            is_release = index == 0 and split in self.files
            relative = pattern.replace("{lang}", lang)
            if "*" in relative:
                hits = sorted(glob.glob(_glob_under(Path(data_dir), relative)))
                files = [Path(hit) for hit in hits] or [Path(data_dir) / relative]
            else:
                files = [Path(data_dir) / relative]
            groups.append(Candidate(is_release, files, pattern))
        return groups

    def candidate_paths(self, data_dir: Path, split: str, lang: str) -> list[Path]:
        """Every file of every candidate group for (split, language), in the order tried."""
        if split not in self.splits:
            raise MissingResourceError(
                f"task {self.name!r} has no split {split!r}", fix=f"use one of {list(self.splits)}"
            )
        found = [path for group in self.candidates(Path(data_dir), split, lang) for path in group.files]
        return list(dict.fromkeys(found))

    def languages_on_disk(self, data_dir: Path) -> dict[str, list[str]]:
        """split -> sorted declared languages with a release or fallback file under ``data_dir``.

        Only declared languages count: a UD treebank folder holds files of every UD language.
        """
        root = Path(data_dir)
        declared = {*self.languages, *self.train_languages}
        found = {}
        for split in self.splits:
            langs: set[str] = set()
            for pattern in self.patterns(split):
                if pattern in self.all_language_files:
                    langs |= languages_in_shared_file(root / pattern)
                else:
                    langs |= _languages_matching(root, pattern, self.source_language)
            found[split] = sorted(langs & declared)
        return found


def languages_in_shared_file(path: Path) -> set[str]:
    """The languages of a file holding all of them (XNLI-1.0): its ``language`` column or field."""
    if not path.is_file():
        return set()
    stat = path.stat()
    return set(_shared_file_languages(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=32)
def _shared_file_languages(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    """Cached on the file's identity: ``tasks list`` asks for every split of every task."""
    del mtime_ns, size
    found: set[str] = set()
    with open(path, encoding="utf-8-sig") as handle:
        if path.endswith(".jsonl"):
            for line in handle:
                if line.strip():
                    with contextlib.suppress(json.JSONDecodeError, AttributeError):
                        found.add(str(json.loads(line).get("language")))
        else:
            header = handle.readline().split("\t")
            column = header.index("language") if "language" in header else 0
            for line in handle:
                cells = line.split("\t")
                if len(cells) > column and cells[column].strip():
                    found.add(cells[column].strip())
    return frozenset(found)


def _glob_under(root: Path, pattern: str) -> str:
    """A glob for ``pattern`` under ``root``; the root is escaped (a folder may contain ``[``)."""
    return f"{glob.escape(str(root))}/{pattern}"


def _languages_matching(root: Path, pattern: str, source_language: str) -> set[str]:
    if "{lang}" not in pattern:
        return {source_language} if glob.glob(_glob_under(root, pattern)) else set()
    regex_parts = []
    for index, literal in enumerate(pattern.split("{lang}")):
        if index:
            regex_parts.append(r"(?P<lang>[A-Za-z0-9_-]+)" if index == 1 else r"(?P=lang)")
        regex_parts.append(re.escape(literal).replace(r"\*", r"[^/]*"))
    regex = re.compile("^" + "".join(regex_parts) + "$")
    found = set()
    for hit in glob.glob(_glob_under(root, pattern.replace("{lang}", "*"))):
        match = regex.match(Path(hit).relative_to(root).as_posix())
        if match:
            found.add(match.group("lang"))
    return found


@dataclass(frozen=True)
class ReadContext:
    """What a parser knows besides its file: the task, split and language being read."""

    spec: ReleaseTaskSpec
    split: str
    lang: str
    # What the parser left out on purpose ("12 rows with gold label '-'"), for `tasks check`.
    notes: list[str] = field(default_factory=list)
    # True on the second pass of `unlabelled_reading`: return label-withheld rows, label None.
    unlabelled: bool = False

    def example_id(self, index: int) -> str:
        """An id for formats without one: the row index, stable across runs.

        It leaves the language out on purpose: XTREME's XNLI/PAWS-X files (and the ``datasets``
        exports of XNLI) are parallel, row *i* being the same item in every language, so the id
        must be too, or ``max_examples_per_language`` would keep different items per language.
        """
        return f"{self.split}-{index}"


Parser = Callable[[Path, ReadContext], list[Example]]


def read_task(spec: TaskSpec, request: ReadRequest, parsers: Mapping[str, Parser]) -> list[Example]:
    """Read ``request``'s (split, language) of ``spec`` from its first usable source.

    ``parsers[""]`` parses the release format; a fallback file is parsed by ``parsers[suffix]``
    (``".jsonl"``, ``".conllu"``), or by ``parsers[""]`` when its suffix has no entry. A source
    whose labels were withheld is skipped for the next one; if none is usable, the error names
    the expected release path, how to obtain it, and the fallback paths.
    """
    if not isinstance(spec, ReleaseTaskSpec):  # a definitions bug, not a user error
        raise TypeError(f"task {spec.name!r} is not declared with ReleaseTaskSpec")
    task, data_dir, split, lang = spec.name, request.root, request.split, request.lang
    if split not in spec.splits:
        raise MissingResourceError(
            f"task {task!r} has no split {split!r}", fix=f"use one of {list(spec.splits)}"
        )
    if lang not in spec.languages and lang not in spec.train_languages:
        raise MissingResourceError(
            f"task {task!r} has no language {lang!r}",
            fix=f"use one of {' '.join(dict.fromkeys([*spec.train_languages, *spec.languages]))}",
        )
    groups = spec.candidates(Path(data_dir), split, lang)
    withheld: LabelsWithheld | None = None
    for candidate in groups:
        group = candidate.files
        if not all(path.exists() for path in group):
            continue
        parser = parsers[""] if candidate.is_release else parsers.get(group[0].suffix, parsers[""])
        context = ReadContext(spec, split, lang)
        try:
            examples: list[Example] = []
            for path in group:
                examples.extend(parser(path, context))
            if not examples and candidate.pattern in spec.all_language_files:
                continue  # the shared file has no rows of this language: try the next source
            LAYOUTS_READ[task, split, lang] = candidate.pattern
            NOTES_READ[task, split, lang] = context.notes
            return _unique_ids(examples)
        except LabelsWithheld as error:
            withheld = withheld or error
    if withheld is not None and _UNLABELLED_OK.get():
        unlabelled = _read_unlabelled(task, spec, groups, split, lang, parsers)
        if unlabelled is not None:
            return unlabelled
    expected = groups[0].files[0] if groups else None
    if withheld is not None:
        others = " or ".join(_describe(g.files[0]) for g in groups if str(g.files[0]) != withheld.file)
        raise DataFormatError(
            withheld.problem,
            file=withheld.file,
            line=withheld.line,
            fix=f"{withheld.fix}, or provide {others}" if others else withheld.fix,
        )
    release = spec.files.get(split, "{lang}")
    if "{lang}" not in release and lang != spec.source_language:
        raise MissingResourceError(
            f"task {task!r} has {split!r} data only in {spec.source_language!r} ({release}), not {lang!r}",
            file=expected,
            fix=f"read {split!r} with language {spec.source_language!r}",
        )
    how = f"get it with {spec.obtain}" if spec.obtain else "provide the release file"
    alternatives = " or ".join(_describe(g.files[0]) for g in groups[1:])
    raise MissingResourceError(
        f"no {task} {split} file for {lang!r}",
        file=expected,
        fix=f"{how}; or provide {alternatives}" if alternatives else how,
    )


def _read_unlabelled(task, spec, groups, split, lang, parsers) -> list[Example] | None:
    """The first label-withheld source that its parser can read without labels, else ``None``."""
    for candidate in groups:
        if not all(path.exists() for path in candidate.files):
            continue
        parser = parsers[""] if candidate.is_release else parsers.get(candidate.files[0].suffix, parsers[""])
        context = ReadContext(spec, split, lang, unlabelled=True)
        try:
            examples = [example for path in candidate.files for example in parser(path, context)]
        except LabelsWithheld:
            continue
        LAYOUTS_READ[task, split, lang] = candidate.pattern
        NOTES_READ[task, split, lang] = [
            *context.notes,
            f"{candidate.files[0].name}: labels withheld, read for prediction only",
        ]
        return _unique_ids(examples)
    return None


def _describe(path: Path) -> str:
    """A fallback path for an error message, saying what kind of file it is."""
    kinds = {
        ".jsonl": "a Hugging Face `datasets` export, see xstilts.tasks.readers.hf_export",
        ".conllu": "UD CoNLL-U",
    }
    kind = kinds.get(path.suffix)
    return f"{path} ({kind})" if kind else str(path)


def _unique_ids(examples: list[Example]) -> list[Example]:
    """Make example ids unique: a repeated id gets ``#2``, ``#3``, ... (in file order).

    Releases repeat ids now and then (XTREME's TyDiQA train split keeps only the last segment of
    each question id); predictions and caches are keyed by id, so the reader never returns twins.
    """
    seen: dict[str, int] = {}
    for example in examples:
        ident = str(example["id"])
        seen[ident] = seen.get(ident, 0) + 1
        example["id"] = ident if seen[ident] == 1 else f"{ident}#{seen[ident]}"
    return examples
