"""Split the English messages into TEST, DEV and TRAIN pools shared by all three tasks.

One pool per message, decided once, so no English message is in two pools of any task (an
intermediate ``msgkind`` model never sees a message that a ``msgdomain`` or ``msgretrieval`` test
asks about, in any language).

- TEST: per ``msgdomain`` class, the :data:`TEST_PER_CLASS` messages translated into the most
  candidate languages (ties broken by message id, i.e. a stable pseudo-random order). Taking the
  best-covered messages makes the test sets of different languages largely the *same* messages,
  as XNLI's are; stratifying by class keeps every class in the test pool even though git or
  PostgreSQL are translated into fewer languages than GTK.
- DEV: per class, the first :data:`DEV_PER_CLASS` remaining messages in id order (a stable
  random sample, so dev looks like train).
- TRAIN: everything else.

A class with fewer messages gives up at most a third of them to TEST and a tenth to DEV, so its
training data never vanishes on a machine with a thin catalog set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from xstilts.data.gettext.corpus import Message

TEST_PER_CLASS = 500
DEV_PER_CLASS = 150
POOLS: tuple[str, ...] = ("train", "dev", "test")


def split_pools(messages: Iterable[Message]) -> dict[str, str]:
    """message id -> pool name (``train``, ``dev`` or ``test``)."""
    by_class: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_class[message.label].append(message)
    pools: dict[str, str] = {}
    for label in sorted(by_class):
        members = by_class[label]
        test_size = min(TEST_PER_CLASS, len(members) // 3)
        dev_size = min(DEV_PER_CLASS, len(members) // 10)
        by_coverage = sorted(members, key=lambda message: (-message.coverage, message.id))
        for message in by_coverage[:test_size]:
            pools[message.id] = "test"
        rest = sorted((m for m in members if m.id not in pools), key=lambda message: message.id)
        for index, message in enumerate(rest):
            pools[message.id] = "dev" if index < dev_size else "train"
    return pools
