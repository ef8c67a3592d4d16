"""The rows of every file of the three tasks, from the corpus and its pools.

``msgdomain`` (target, classification by software class):
  ``train-en``/``dev-en`` from the TRAIN/DEV pools (train capped at :data:`DOMAIN_TRAIN_CAP`
  messages per class, first in id order, so the big toolchain and database catalogs do not
  swamp the rest); ``test-en`` is the TEST pool in English; ``test-{lang}`` holds the TEST-pool
  messages translated into ``lang``. A language gets a test file if it has at least
  :data:`DOMAIN_MIN_TEST` of them and no class holds more than :data:`DOMAIN_MAX_MAJORITY` of
  them: where one class dominates (Hindi, Tamil, ... translate mostly GTK/GLib), accuracy would
  mostly measure the majority class. Rows: ``id, text, label, en, domain``.
``msgretrieval`` (target, retrieval): ``test-{lang}`` pairs English with the translation for up to
  :data:`RETRIEVAL_SIZE` TEST-pool messages, best-covered first (so languages share messages);
  a translation already used for another message is skipped (the gold target must be unique).
  Languages with fewer than :data:`RETRIEVAL_MIN` pairs get no file. Rows: ``id, source, target``.
``msgkind`` (intermediate, classification by message kind): ``train-{lang}``/``dev-{lang}`` for
  English and every language, from the TRAIN/DEV pools only (never a test message), train
  capped at :data:`KIND_TRAIN_CAP` per label (id order). A language needs
  :data:`KIND_MIN_TRAIN` train and :data:`KIND_MIN_DEV` dev rows. Rows: ``id, text, label, en``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from xstilts.data.gettext.corpus import Message
from xstilts.data.gettext.kinds import message_kind

DOMAIN_TRAIN_CAP = 2500
DOMAIN_MIN_TEST = 500
DOMAIN_MAX_MAJORITY = 0.6
RETRIEVAL_SIZE = 1000
RETRIEVAL_MIN = 300
KIND_TRAIN_CAP = 3000
KIND_MIN_TRAIN = 500
KIND_MIN_DEV = 50


def thresholds() -> dict[str, float]:
    """The current thresholds (read at call time, so a test may shrink them for tiny fixtures)."""
    return {
        "msgdomain_train_cap_per_class": DOMAIN_TRAIN_CAP,
        "msgdomain_min_test": DOMAIN_MIN_TEST,
        "msgdomain_max_majority_share": DOMAIN_MAX_MAJORITY,
        "msgretrieval_size": RETRIEVAL_SIZE,
        "msgretrieval_min": RETRIEVAL_MIN,
        "msgkind_train_cap_per_label": KIND_TRAIN_CAP,
        "msgkind_min_train": KIND_MIN_TRAIN,
        "msgkind_min_dev": KIND_MIN_DEV,
    }


Rows = list[dict[str, Any]]


def _capped(messages: Iterable[Message], label_of: Callable[[Message], str], cap: int) -> list[Message]:
    """At most ``cap`` messages per label, the first ones in id order (a stable random sample)."""
    taken: Counter[str] = Counter()
    kept = []
    for message in sorted(messages, key=lambda item: item.id):
        label = label_of(message)
        if taken[label] < cap:
            taken[label] += 1
            kept.append(message)
    return kept


def _domain_row(message: Message, text: str) -> dict[str, Any]:
    return {
        "id": message.id,
        "text": text,
        "label": message.label,
        "en": message.en,
        "domain": message.domain,
    }


def msgdomain_files(pool: dict[str, list[Message]], languages: list[str]) -> tuple[dict[str, Rows], dict]:
    """``relative path -> rows`` for msgdomain, and the languages left out with the reason."""
    files: dict[str, Rows] = {
        "msgdomain/train-en.jsonl": [
            _domain_row(m, m.en) for m in _capped(pool["train"], lambda m: m.label, DOMAIN_TRAIN_CAP)
        ],
        "msgdomain/dev-en.jsonl": [_domain_row(m, m.en) for m in pool["dev"]],
        "msgdomain/test-en.jsonl": [_domain_row(m, m.en) for m in pool["test"]],
    }
    left_out: dict[str, str] = {}
    for language in languages:
        rows = [_domain_row(m, m.translations[language]) for m in pool["test"] if language in m.translations]
        if len(rows) < DOMAIN_MIN_TEST:
            left_out[language] = f"{len(rows)} test messages < {DOMAIN_MIN_TEST}"
            continue
        label, count = Counter(row["label"] for row in rows).most_common(1)[0]
        if count / len(rows) > DOMAIN_MAX_MAJORITY:
            left_out[language] = f"{label} holds {count / len(rows):.0%} of {len(rows)} test messages"
            continue
        files[f"msgdomain/test-{language}.jsonl"] = rows
    return files, left_out


def msgretrieval_files(pool: dict[str, list[Message]], languages: list[str]) -> tuple[dict[str, Rows], dict]:
    files: dict[str, Rows] = {}
    left_out: dict[str, str] = {}
    best_covered = sorted(pool["test"], key=lambda message: (-message.coverage, message.id))
    for language in languages:
        rows: Rows = []
        targets: set[str] = set()
        for message in best_covered:
            target = message.translations.get(language)
            if target is None or target in targets:
                continue
            targets.add(target)
            rows.append({"id": message.id, "source": message.en, "target": target})
            if len(rows) == RETRIEVAL_SIZE:
                break
        if len(rows) < RETRIEVAL_MIN:
            left_out[language] = f"{len(rows)} pairs < {RETRIEVAL_MIN}"
            continue
        files[f"msgretrieval/test-{language}.jsonl"] = sorted(rows, key=lambda row: row["id"])
    return files, left_out


def _text_in(message: Message, language: str) -> str | None:
    return message.en if language == "en" else message.translations.get(language)


def msgkind_files(pool: dict[str, list[Message]], languages: list[str]) -> tuple[dict[str, Rows], dict]:
    kind = {message.id: message_kind(message.en) for name in ("train", "dev") for message in pool[name]}
    files: dict[str, Rows] = {}
    left_out: dict[str, str] = {}
    for language in ["en", *languages]:
        split_rows: dict[str, Rows] = {}
        for split in ("train", "dev"):
            available = [m for m in pool[split] if _text_in(m, language) is not None]
            if split == "train":
                available = _capped(available, lambda m: kind[m.id], KIND_TRAIN_CAP)
            split_rows[split] = [
                {"id": m.id, "text": _text_in(m, language), "label": kind[m.id], "en": m.en}
                for m in available
            ]
        if len(split_rows["train"]) < KIND_MIN_TRAIN or len(split_rows["dev"]) < KIND_MIN_DEV:
            left_out[language] = (
                f"{len(split_rows['train'])} train / {len(split_rows['dev'])} dev "
                f"< {KIND_MIN_TRAIN} / {KIND_MIN_DEV}"
            )
            continue
        files[f"msgkind/train-{language}.jsonl"] = split_rows["train"]
        files[f"msgkind/dev-{language}.jsonl"] = split_rows["dev"]
    return files, left_out


def all_files(messages: list[Message], pools: dict[str, str], languages: list[str]) -> tuple[dict, dict]:
    """Every task file's rows, and ``task -> language -> why it has no file``."""
    pool: dict[str, list[Message]] = defaultdict(list)
    for message in sorted(messages, key=lambda item: item.id):
        pool[pools[message.id]].append(message)
    files: dict[str, Rows] = {}
    left_out: dict[str, dict[str, str]] = {}
    for task, build in (
        ("msgdomain", msgdomain_files),
        ("msgretrieval", msgretrieval_files),
        ("msgkind", msgkind_files),
    ):
        task_files, task_left_out = build(pool, languages)
        files.update(task_files)
        left_out[task] = task_left_out
    return files, left_out
