"""The rows of every file of the three tasks, from the corpus and its pools.

Same items, same ids: every file that is compared across languages holds the *same* messages.

``msgdomain`` (target, classification by software class):
  ``train-en``/``dev-en`` from the TRAIN/DEV pools (train capped at :data:`DOMAIN_TRAIN_CAP`
  messages per class, first in id order, so the big toolchain and database catalogs do not
  swamp the rest). ``test-en`` and every ``test-{lang}`` hold the same TEST-pool messages: those
  translated into *every* language with a test file (:func:`shared_items`). Languages are dropped,
  fewest test translations first, until the shared messages number at least
  :data:`DOMAIN_MIN_TEST` and no class holds more than :data:`DOMAIN_MAX_MAJORITY` of them
  (gtk/glib are translated everywhere, git and PostgreSQL are not: without the majority rule the
  shared set is all *desktop* and accuracy measures the majority class). Rows:
  ``id, text, label, en, domain``.
``msgretrieval`` (target, retrieval): ``test-{lang}`` pairs English with the translation for the
  same TEST-pool messages in every language (at most :data:`RETRIEVAL_SIZE`, first in id order),
  dropping languages the same way until at least :data:`RETRIEVAL_MIN` messages are shared; a
  message whose translation is not unique within some language is left out everywhere (the gold
  target must be unique). Rows: ``id, source, target``.
``msgkind`` (intermediate, classification by message kind): parallel sources. ``train-{lang}`` /
  ``dev-{lang}`` exist for English and the pinned :data:`SOURCE_LANGUAGES`, and every one of them
  holds the *same* TRAIN/DEV-pool messages (those translated into all sources present), with the
  same labels (the rules read the English msgid), so source conditions differ in language only;
  a subsample (``max_train_examples``) hashes ids and so picks the same messages in every source.
  Train is capped at :data:`KIND_TRAIN_CAP` per label (id order). Sources are dropped, fewest
  translations first, until :data:`KIND_MIN_TRAIN` train and :data:`KIND_MIN_DEV` dev rows are
  shared. Rows: ``id, text, label, en``.

Every dropped language is listed under ``left_out`` with its reason; the shared-item counts and
the kept languages are in the manifest (``shared_items``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xstilts.data.gettext.corpus import Message
from xstilts.data.gettext.kinds import message_kind

DOMAIN_TRAIN_CAP = 2500
DOMAIN_MIN_TEST = 500
DOMAIN_MAX_MAJORITY = 0.6
RETRIEVAL_SIZE = 1000
RETRIEVAL_MIN = 200
KIND_TRAIN_CAP = 3000
KIND_MIN_TRAIN = 500
KIND_MIN_DEV = 50
# msgkind's parallel sources: English, a close source (de, nl: Germanic) and distant ones from
# other families (ja Japonic, fi Uralic, tr Turkic, ko Koreanic), so d(target, source) spreads.
SOURCE_LANGUAGES: tuple[str, ...] = ("en", "de", "nl", "ja", "fi", "tr", "ko")


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
        "msgkind_sources": list(SOURCE_LANGUAGES),
    }


Rows = list[dict[str, Any]]
# What a candidate shared set lacks (None = acceptable), given the messages all kept languages share.
Acceptance = Callable[[list[Message]], str | None]


@dataclass
class SharedSet:
    """The languages kept for a task, the messages all of them share, and who was dropped why."""

    languages: list[str]
    messages: list[Message]
    dropped: dict[str, str] = field(default_factory=dict)


def _text_in(message: Message, language: str) -> str | None:
    return message.en if language == "en" else message.translations.get(language)


def _unique_targets(messages: list[Message], languages: Sequence[str]) -> list[Message]:
    """Leave out messages whose text repeats (within one language) a text of an earlier message."""
    repeated: set[str] = set()
    for language in languages:
        seen: set[str] = set()
        for message in messages:
            text = _text_in(message, language)
            if text in seen:
                repeated.add(message.id)
            seen.add(text)  # type: ignore[arg-type]
    return [m for m in messages if m.id not in repeated]


def shared_items(
    messages: list[Message], languages: Sequence[str], accept: Acceptance, *, unique: bool = False
) -> SharedSet:
    """The largest-first greedy choice of languages whose common messages ``accept`` takes.

    All ``languages`` are tried first; while the messages translated into every one of them are
    not acceptable, the language with the fewest translations (ties: alphabetically last) is
    dropped, with the reason. English (the msgid side) is never dropped.
    """
    ordered = sorted(messages, key=lambda message: message.id)
    coverage = Counter(language for m in ordered for language in m.translations)
    kept = list(languages)
    dropped: dict[str, str] = {}
    while True:
        common = [m for m in ordered if all(_text_in(m, language) is not None for language in kept)]
        if unique:
            common = _unique_targets(common, kept)
        problem = accept(common)
        droppable = [language for language in kept if language != "en"]
        if problem is None or not droppable:
            return SharedSet(kept, common if problem is None else [], dropped)
        worst = min(droppable, key=lambda language: (coverage[language], [-ord(c) for c in language]))
        kept.remove(worst)
        dropped[worst] = f"dropped for shared items: with it the {len(kept) + 1} languages share {problem}"


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


def _domain_acceptable(messages: list[Message]) -> str | None:
    if len(messages) < DOMAIN_MIN_TEST:
        return f"{len(messages)} test messages < {DOMAIN_MIN_TEST}"
    label, count = Counter(m.label for m in messages).most_common(1)[0]
    if count / len(messages) > DOMAIN_MAX_MAJORITY:
        return (
            f"{len(messages)} test messages, {label} {count / len(messages):.0%} > {DOMAIN_MAX_MAJORITY:.0%}"
        )
    return None


def msgdomain_files(
    pool: dict[str, list[Message]], languages: list[str]
) -> tuple[dict[str, Rows], dict, dict]:
    """``relative path -> rows`` for msgdomain, the left-out languages with reasons, the shared set."""
    shared = shared_items(pool["test"], ["en", *languages], _domain_acceptable)
    files: dict[str, Rows] = {
        "msgdomain/train-en.jsonl": [
            _domain_row(m, m.en) for m in _capped(pool["train"], lambda m: m.label, DOMAIN_TRAIN_CAP)
        ],
        "msgdomain/dev-en.jsonl": [_domain_row(m, m.en) for m in pool["dev"]],
    }
    for language in shared.languages if shared.messages else []:
        files[f"msgdomain/test-{language}.jsonl"] = [
            _domain_row(m, _text_in(m, language)) for m in shared.messages
        ]  # type: ignore[arg-type]
    left_out = dict(shared.dropped)
    if not shared.messages:
        left_out.update({language: "no acceptable shared test set" for language in shared.languages})
    return files, left_out, _shared_summary(shared)


def _shared_summary(shared: SharedSet) -> dict[str, Any]:
    return {"items": len(shared.messages), "languages": shared.languages if shared.messages else []}


def _retrieval_acceptable(messages: list[Message]) -> str | None:
    return None if len(messages) >= RETRIEVAL_MIN else f"{len(messages)} pairs < {RETRIEVAL_MIN}"


def msgretrieval_files(
    pool: dict[str, list[Message]], languages: list[str]
) -> tuple[dict[str, Rows], dict, dict]:
    shared = shared_items(pool["test"], ["en", *languages], _retrieval_acceptable, unique=True)
    shared.messages = shared.messages[:RETRIEVAL_SIZE]
    files: dict[str, Rows] = {}
    for language in shared.languages if shared.messages else []:
        if language == "en":
            continue
        files[f"msgretrieval/test-{language}.jsonl"] = [
            {"id": m.id, "source": m.en, "target": m.translations[language]} for m in shared.messages
        ]
    shared.languages = [language for language in shared.languages if language != "en"]
    return files, dict(shared.dropped), _shared_summary(shared)


def _kind_acceptable(dev_ids: set[str]) -> Acceptance:
    def accept(messages: list[Message]) -> str | None:
        n_dev = sum(m.id in dev_ids for m in messages)
        n_train = len(messages) - n_dev
        if n_train < KIND_MIN_TRAIN or n_dev < KIND_MIN_DEV:
            return f"{n_train} train / {n_dev} dev < {KIND_MIN_TRAIN} / {KIND_MIN_DEV}"
        return None

    return accept


def msgkind_files(pool: dict[str, list[Message]], languages: list[str]) -> tuple[dict[str, Rows], dict, dict]:
    """Parallel msgkind sources: the same messages and labels in every source language."""
    kind = {
        message.id: message_kind(message.en, message.domains)
        for name in ("train", "dev")
        for message in pool[name]
    }
    sources = [language for language in SOURCE_LANGUAGES if language == "en" or language in languages]
    dev_ids = {m.id for m in pool["dev"]}
    shared = shared_items(pool["train"] + pool["dev"], sources, _kind_acceptable(dev_ids))
    train = _capped([m for m in shared.messages if m.id not in dev_ids], lambda m: kind[m.id], KIND_TRAIN_CAP)
    dev = [m for m in shared.messages if m.id in dev_ids]
    files: dict[str, Rows] = {}
    for language in shared.languages if shared.messages else []:
        for split, members in (("train", train), ("dev", dev)):
            files[f"msgkind/{split}-{language}.jsonl"] = [
                {"id": m.id, "text": _text_in(m, language), "label": kind[m.id], "en": m.en} for m in members
            ]
    left_out = dict(shared.dropped)  # languages outside SOURCE_LANGUAGES are no sources by design
    summary = _shared_summary(shared)
    summary.update(train=len(train), dev=len(dev))
    return files, left_out, summary


def all_files(
    messages: list[Message], pools: dict[str, str], languages: list[str]
) -> tuple[dict, dict, dict]:
    """Every task file's rows, ``task -> language -> why it has no file``, and the shared sets."""
    pool: dict[str, list[Message]] = defaultdict(list)
    for message in sorted(messages, key=lambda item: item.id):
        pool[pools[message.id]].append(message)
    files: dict[str, Rows] = {}
    left_out: dict[str, dict[str, str]] = {}
    shared: dict[str, dict[str, Any]] = {}
    for task, build in (
        ("msgdomain", msgdomain_files),
        ("msgretrieval", msgretrieval_files),
        ("msgkind", msgkind_files),
    ):
        task_files, left_out[task], shared[task] = build(pool, languages)
        files.update(task_files)
    return files, left_out, shared
