"""Tasks built from the gettext catalogs of the user's machine (``xstilts data build gettext``).

- ``msgdomain`` (target): which software class a message comes from (8 coarse classes of
  catalogs, :mod:`xstilts.data.gettext.domains`); English train/dev, zero-shot test in every
  language with a file on disk.
- ``msgretrieval`` (target): find a message's translation among the language's 1000 test pairs,
  English -> language and back (Tatoeba-style aligned retrieval).
- ``msgkind`` (intermediate): the kind of a message (error, question, usage, label, info) by the
  documented rules of :mod:`xstilts.data.gettext.kinds`, validated against a hand-labelled
  sample; parallel sources (:data:`~xstilts.data.gettext.datasets.SOURCE_LANGUAGES`): every
  source's files hold the same messages with the same labels.
- Two controls on exactly msgkind's texts (the same files, so the same messages in every source):
  ``msgkind-shuffled`` (intermediate): msgkind with its labels permuted by a fixed seed (the
  label distribution kept, the message-label link broken): what "any extra fine-tuning steps on
  this text" does without the task; ``msgkind-mlm`` (intermediate, masked LM): the paper's
  alternative, masked language modelling on the same texts.

``languages`` is the pinned candidate list (XTREME languages plus uk and pl that have gettext
locales); which of them a machine actually has comes from the files on disk
(:meth:`TaskSpec.languages_on_disk`). Messages are short: with the multilingual-e5 tokenizer
the test texts average 17 pieces (p95 32, under 1% above 64), hence ``max_length=64``.

Readers read JSONL; a broken line, a missing field or an unknown label raises one line naming
file, line and fix; a missing file says to run the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xstilts.data.gettext.datasets import SOURCE_LANGUAGES
from xstilts.data.gettext.domains import CLASSES
from xstilts.data.gettext.kinds import KINDS
from xstilts.data.gettext.locales import CANDIDATE_LANGUAGES
from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks.readers.textfile import read_built_jsonl
from xstilts.tasks.registry import register
from xstilts.tasks.spec import ReadRequest, Role, TaskSpec, TaskType, jsonl_files
from xstilts.tasks.types import get_task_type

DATA_SUBDIR = "gettext/v1"
BUILD_COMMAND = "xstilts data build gettext"
_SOURCE = "Debian gettext catalogs (/usr/share/locale/*/LC_MESSAGES/*.mo), built by xstilts"
_ALL = ("en", *CANDIDATE_LANGUAGES)

MSGDOMAIN = register(
    TaskSpec(
        name="msgdomain",
        task_type=TaskType.CLASSIFICATION,
        roles=(Role.TARGET,),
        description="Software domain (8 coarse classes) of a gettext message; English train, zero-shot test.",
        languages=_ALL,
        train_languages=("en",),
        labels=CLASSES,
        metrics=("accuracy",),
        parallel_test=True,  # the same item ids in every language
        reader="xstilts.tasks.definitions.gettext:read_msgdomain",
        files=jsonl_files("msgdomain"),
        source=_SOURCE,
        default_data_subdir=DATA_SUBDIR,
        builder="gettext",
        max_length=64,
    )
)

MSGRETRIEVAL = register(
    TaskSpec(
        name="msgretrieval",
        task_type=TaskType.RETRIEVAL,
        roles=(Role.TARGET,),
        description="Retrieve a gettext message's translation among 1000 candidates, both directions.",
        languages=CANDIDATE_LANGUAGES,
        train_languages=(),
        metrics=("retrieval_accuracy", "mrr", "retrieval_margin"),
        reader="xstilts.tasks.definitions.gettext:read_msgretrieval",
        files=jsonl_files("msgretrieval", ("test",)),
        source=_SOURCE,
        default_data_subdir=DATA_SUBDIR,
        builder="gettext",
        max_length=64,
        dev_split="test",  # retrieval has no training, hence no dev split
    )
)

MSGKIND = register(
    TaskSpec(
        name="msgkind",
        task_type=TaskType.CLASSIFICATION,
        roles=(Role.INTERMEDIATE,),
        description="Kind of a gettext message (error/question/usage/label/info), rule-labelled, any language.",
        languages=SOURCE_LANGUAGES,
        train_languages=SOURCE_LANGUAGES,
        labels=KINDS,
        metrics=("accuracy",),
        reader="xstilts.tasks.definitions.gettext:read_msgkind",
        files=jsonl_files("msgkind", ("train", "dev")),
        source=_SOURCE,
        default_data_subdir=DATA_SUBDIR,
        builder="gettext",
        max_length=64,
        test_split="dev",  # no test split by design: test messages belong to the target tasks
    )
)


SHUFFLE_SEED = 17  # the control's label permutation: fixed, so every run shuffles alike

MSGKIND_SHUFFLED = register(
    TaskSpec(
        name="msgkind-shuffled",
        task_type=TaskType.CLASSIFICATION,
        roles=(Role.INTERMEDIATE,),
        description="Control: msgkind's texts with labels permuted (same label mix, no message-label link).",
        languages=SOURCE_LANGUAGES,
        train_languages=SOURCE_LANGUAGES,
        labels=KINDS,
        metrics=("accuracy",),
        reader="xstilts.tasks.definitions.gettext:read_msgkind_shuffled",
        files=jsonl_files("msgkind", ("train", "dev")),
        source=_SOURCE,
        default_data_subdir=DATA_SUBDIR,
        builder="gettext",
        max_length=64,
        test_split="dev",
    )
)

MSGKIND_MLM = register(
    TaskSpec(
        name="msgkind-mlm",
        task_type=TaskType.MASKED_LM,
        roles=(Role.INTERMEDIATE,),
        description="Control: masked language modelling on msgkind's texts (the paper's MLM alternative).",
        languages=SOURCE_LANGUAGES,
        train_languages=SOURCE_LANGUAGES,
        metrics=("mlm_loss",),
        reader="xstilts.tasks.definitions.gettext:read_msgkind_text",
        files=jsonl_files("msgkind", ("train",)),
        source=_SOURCE,
        default_data_subdir=DATA_SUBDIR,
        builder="gettext",
        max_length=64,
        dev_split="train",  # no dev evaluation: masked LM has no label to score
        test_split="train",
    )
)


def _read_jsonl(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    data_dir, split, lang = request.root, request.split, request.lang
    path = spec.path(data_dir, split, lang)
    if not path.is_file():
        on_disk = spec.languages_on_disk(data_dir).get(split, []) if Path(data_dir).is_dir() else []
        fix = (
            f"languages with a {spec.name} {split} file: {', '.join(on_disk)}"
            if on_disk
            else f"run `xstilts data build {spec.builder}`"
        )
        raise MissingResourceError(f"no {spec.name} {split} file for language {lang!r}", file=path, fix=fix)
    required = get_task_type(spec.task_type).fields
    rebuild = f"rebuild with `xstilts data build {spec.builder} --force`"
    rows: list[dict[str, Any]] = []
    for number, row in read_built_jsonl(path, required, rebuild):
        if spec.labels and row["label"] not in spec.labels:
            raise DataFormatError(
                f"unknown label {row['label']!r}",
                file=path,
                line=number,
                fix=f"{spec.name} labels are {', '.join(spec.labels)}; {rebuild}",
            )
        rows.append(row)
    return rows


def read_msgdomain(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """Rows ``{id, text, label, en, domain}`` of one msgdomain file."""
    return _read_jsonl(spec, request)


def read_msgretrieval(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """Rows ``{id, source, target}``: ``source`` is English, ``target`` its translation."""
    return _read_jsonl(spec, request)


def read_msgkind(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """Rows ``{id, text, label, en}`` of one msgkind file."""
    return _read_jsonl(spec, request)


def read_msgkind_shuffled(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """msgkind rows with the labels permuted among the messages (by id order, :data:`SHUFFLE_SEED`).

    Every source file holds the same ids with the same labels, so the permutation, a function of
    the ids and labels only, is the same in every language: the control stays parallel.
    """
    import random

    rows = _read_jsonl(spec, request)
    order = sorted(range(len(rows)), key=lambda i: rows[i]["id"])
    labels = [rows[i]["label"] for i in order]
    random.Random(f"{SHUFFLE_SEED}:{request.split}").shuffle(labels)
    shuffled = [dict(row) for row in rows]
    for index, label in zip(order, labels, strict=True):
        shuffled[index]["label"] = label
    return shuffled


def read_msgkind_text(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """Rows ``{id, text}`` of msgkind (the MLM control reads the texts, never the labels)."""
    return [{"id": row["id"], "text": row["text"]} for row in _read_jsonl(spec, request)]
