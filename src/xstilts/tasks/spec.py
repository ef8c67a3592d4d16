"""What a task is: one small, validated, declarative :class:`TaskSpec`.

Behaviour lives in code per format (readers), per task type (one object per type in
:mod:`xstilts.tasks.types`: fields, validation, features, head, decoding, references) and per
name (metrics); a task itself is data. Every example a reader returns is a plain ``dict`` with
the fields of its task type, so the engine, caches (Arrow) and metrics never special-case a task
by name.
"""

from __future__ import annotations

import glob
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xstilts.errors import MissingResourceError, UnknownNameError


class TaskType(StrEnum):
    """The built-in task types' names; each has one object in :mod:`xstilts.tasks.types`.

    The values are part of stored artifacts (head specs) and must not change. A type defined
    outside xstilts is named by the string it registers under.
    """

    CLASSIFICATION = "classification"  # text -> label
    PAIR_CLASSIFICATION = "pair_classification"  # (text_a, text_b) -> label
    MULTIPLE_CHOICE = "multiple_choice"  # (context, question, choices) -> index
    SPAN_QA = "span_qa"  # SQuAD-style extractive QA
    TAGGING = "tagging"  # tokens -> one tag per token
    RETRIEVAL = "retrieval"  # aligned parallel sentences, no training
    BITEXT_MINING = "bitext_mining"  # two monolingual corpora, gold pairs read separately (BUCC)
    MASKED_LM = "masked_lm"  # plain text, trained by masked language modelling (the MLM control)


class Role(StrEnum):
    TARGET = "target"
    INTERMEDIATE = "intermediate"


@dataclass(frozen=True)
class ReadRequest:
    """What a reader is asked for: the data root, the split and the language.

    A reader is called as ``reader(spec, request)``: it is handed its spec rather than looking it
    up by name, so one reader function serves every task of its format.
    """

    root: Path
    split: str
    lang: str


Reader = Callable[["TaskSpec", ReadRequest], list[dict[str, Any]]]


def jsonl_files(task: str, splits: tuple[str, ...] = ("train", "dev", "test")) -> dict[str, str]:
    """The project's own JSON Lines layout, ``TASK/SPLIT-{lang}.jsonl``, for a task's ``files``.

    Every dataset xstilts builds (gettext, UDHR) and every ``datasets`` export follows it, so
    task definitions name the layout instead of spelling out each path.
    """
    return {split: f"{task}/{split}-{{lang}}.jsonl" for split in splits}


class TaskSpec(BaseModel):
    """A task, declared.

    ``files`` maps each split to a path pattern relative to the task's data directory, with
    ``{lang}`` standing for the language code; it is how languages on disk are discovered.
    ``reader`` is a lazy ``"module:function"`` target with signature
    ``reader(spec, request: ReadRequest) -> list[dict]`` so that listing tasks imports no heavy
    code. :meth:`locate` is the one place that says which file holds a (split, language).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    task_type: str  # a TaskType, or the name of a type registered in xstilts.tasks.types
    roles: tuple[Role, ...]
    description: str
    version: int = 1
    languages: tuple[str, ...]  # every language the release has (evaluation languages)
    train_languages: tuple[str, ...] = ("en",)  # languages with a train split
    labels: tuple[str, ...] = ()
    metrics: tuple[str, ...]  # first = main score
    reader: str
    files: dict[str, str]
    source: str = ""  # where the release format is defined (URL or citation)
    default_data_subdir: str | None = None  # under XSTILTS_HOME/data for datasets xstilts builds
    builder: str = ""  # datasets xstilts builds: the NAME of `xstilts data build NAME` that writes them
    # "module:function" -> DataFrame (language, family, latitude, longitude, ...) of the dataset's
    # languages, called with the data root; the analysis clusters and maps by it instead of URIEL.
    language_meta: str = ""
    max_length: int = 128
    allows_no_answer: bool = False  # span QA: "" is a valid prediction (SQuAD v2)
    # Test sets are translations of each other with shared example ids (XNLI, PAWS-X, XQuAD,
    # msgdomain): the English score on exactly a language's items can then be its reference.
    parallel_test: bool = False
    dev_split: str = "dev"
    test_split: str = "test"
    # Aligned retrieval: which direction is the main score. "xx->en": each sentence of the language
    # retrieves among the English ones (XTREME's Tatoeba); "en->xx" the reverse; "mean" both
    # averaged. Both directions are always stored too, keyed by direction (MetricKey.direction).
    retrieval_direction: Literal["xx->en", "en->xx", "mean"] = "mean"

    @field_validator("task_type")
    @classmethod
    def _registered_type(cls, value: str) -> str:
        """A name in the type table (built-in names come back as their ``TaskType`` member)."""
        from xstilts.tasks.types import get_task_type  # the type modules import this one

        try:
            return get_task_type(value).name
        except UnknownNameError as error:
            raise ValueError(error.one_line()) from None

    @field_validator("metrics")
    @classmethod
    def _metrics_not_empty(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a task needs at least one metric")
        return value

    @field_validator("reader", "language_meta")
    @classmethod
    def _function_target(cls, value: str) -> str:
        if value and ":" not in value:
            raise ValueError("must be 'module:function'")
        return value

    @property
    def main_metric(self) -> str:
        return self.metrics[0]

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.files)

    @property
    def trainable(self) -> bool:
        from xstilts.tasks.types import get_task_type

        return get_task_type(self.task_type).trainable

    def resolve_reader(self) -> Reader:
        module, _, attr = self.reader.partition(":")
        return getattr(importlib.import_module(module), attr)

    def read_language_meta(self, data_dir: Path | str | None = None) -> Any:
        """The dataset's own language metadata (a DataFrame), or ``None`` when it has none."""
        if not self.language_meta:
            return None
        module, _, attr = self.language_meta.partition(":")
        return getattr(importlib.import_module(module), attr)(self.data_root(data_dir))

    def data_root(self, data_dir: Path | str | None = None) -> Path:
        """Where this task's files live: ``data_dir`` if given, else the built-dataset folder.

        XTREME-style tasks read user-provided releases (e.g. the xtreme repo's ``download/``
        folder, whose layout the ``files`` patterns follow); datasets that xstilts builds itself
        (gettext, UDHR) default to ``XSTILTS_HOME/data/<default_data_subdir>``.
        """
        if data_dir is not None:
            return Path(data_dir)
        if self.default_data_subdir:
            from xstilts.paths import data_dir as built_data_dir

            return built_data_dir() / self.default_data_subdir
        first = next(iter(self.files.values()), "")
        raise MissingResourceError(
            f"task {self.name!r} reads data you provide",
            fix=f"pass --data-dir: the folder that holds {first!r} (e.g. the xtreme repo's download/ folder)",
        )

    def path(self, data_dir: Path, split: str, lang: str) -> Path:
        if split not in self.files:
            raise MissingResourceError(
                f"task {self.name!r} has no split {split!r}", fix=f"use one of {sorted(self.files)}"
            )
        return Path(data_dir) / self.files[split].format(lang=lang)

    def candidate_paths(self, data_dir: Path, split: str, lang: str) -> list[Path]:
        """Every file that may hold (split, language), in the order a reader tries them."""
        return [self.path(data_dir, split, lang)]

    def existing_sources(self, data_dir: Path, split: str, lang: str) -> list[Path]:
        """The candidate files on disk, in the order tried (what the data fingerprint hashes)."""
        if split not in self.splits:
            return []
        return [path for path in self.candidate_paths(data_dir, split, lang) if path.exists()]

    def locate(self, data_dir: Path, split: str, lang: str) -> Path:
        """The first existing file for (split, language): the release layout, then its fallbacks.

        Readers, the planner and the data fingerprint all find data through here, so they agree
        on where it lives. Nothing on disk raises one error listing every place tried.
        """
        tried = self.candidate_paths(Path(data_dir), split, lang)
        for path in tried:
            if path.exists():
                return path
        hint = f"run: xstilts data build {self.builder}" if self.builder else "check --data-dir / data_dir"
        others = f"; also tried {', '.join(str(p) for p in tried[1:])}" if len(tried) > 1 else ""
        raise MissingResourceError(
            f"task {self.name!r} has no {split} data for {lang!r}",
            file=tried[0] if tried else Path(data_dir),
            fix=f"{hint}{others}",
        )

    def read(self, data_dir: Path, split: str, lang: str) -> list[dict[str, Any]]:
        """Read one (split, language) of this task from ``data_dir``."""
        return self.resolve_reader()(self, ReadRequest(Path(data_dir), split, lang))

    def languages_on_disk(self, data_dir: Path) -> dict[str, list[str]]:
        """split -> sorted languages whose file exists under ``data_dir``."""
        found: dict[str, list[str]] = {}
        for split, pattern in self.files.items():
            regex = re.compile(
                "^" + re.escape(pattern).replace(re.escape("{lang}"), r"(?P<lang>[A-Za-z0-9_-]+)") + "$"
            )
            langs = set()
            for hit in glob.glob(str(Path(data_dir) / pattern.replace("{lang}", "*"))):
                rel = Path(hit).relative_to(data_dir).as_posix()
                match = regex.match(rel)
                if match:
                    langs.add(match.group("lang"))
            found[split] = sorted(langs)
        return found
