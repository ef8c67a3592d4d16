"""The study design in the data: parallel msgkind sources and the same test items in every language.

Source conditions must differ in language only (same message ids, same labels, same subsample),
and a target's languages must be scored on the same items, or a slope over languages measures
item difficulty and label mix as much as transfer.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from xstilts.data.gettext import datasets
from xstilts.data.gettext.build import build
from xstilts.data.gettext.corpus import Message
from xstilts.tasks import get_task
from xstilts.tasks.loading import read_examples

pytestmark = pytest.mark.usefixtures("small_thresholds")


@pytest.fixture
def built(locale_dir: Path, tmp_path: Path) -> tuple[Path, dict]:
    result = build(locale_dir, out_dir=tmp_path / "out")
    return result.path, result.manifest


def test_msgkind_sources_have_identical_ids_labels_and_subsamples(built: tuple[Path, dict]) -> None:
    root, manifest = built
    spec = get_task("msgkind")
    sources = manifest.details["shared_items"]["msgkind"]["languages"]
    # The fixture has German, Japanese and Finnish (of the pinned sources); Finnish translates
    # two thirds of the messages, so the shared set is what Finnish has.
    assert sources == ["en", "de", "ja", "fi"]
    for split in ("train", "dev"):
        reference = [(row["id"], row["label"]) for row in read_examples(spec, root, split, "en")]
        assert reference
        for language in sources[1:]:
            rows = read_examples(spec, root, split, language)
            assert [(row["id"], row["label"]) for row in rows] == reference
            assert all(row["text"] != row["en"] for row in rows)  # the source-language text
    # a subsample (max_train_examples) picks the same messages in every source
    for seed in (1, 2):
        picked = {
            lang: [r["id"] for r in read_examples(spec, root, "train", lang, 20, seed)] for lang in sources
        }
        assert len({tuple(ids) for ids in picked.values()}) == 1 and len(picked["en"]) == 20
    distributions = {
        lang: manifest.details["label_counts"][f"msgkind/train-{lang}.jsonl"] for lang in sources
    }
    assert len({json.dumps(d, sort_keys=True) for d in distributions.values()}) == 1
    print("msgkind train label distribution per source:", distributions)


def test_every_language_of_a_target_gets_the_same_items(built: tuple[Path, dict]) -> None:
    root, manifest = built
    for task in ("msgdomain", "msgretrieval"):
        spec = get_task(task)
        languages = spec.languages_on_disk(root)["test"]
        assert len(languages) >= 5
        ids = {lang: [row["id"] for row in read_examples(spec, root, "test", lang)] for lang in languages}
        assert len({tuple(v) for v in ids.values()}) == 1, task
        assert manifest.details["shared_items"][task]["items"] == len(ids[languages[0]])
        subsampled = {
            lang: [r["id"] for r in read_examples(spec, root, "test", lang, 7, 0)] for lang in languages
        }
        assert len({tuple(v) for v in subsampled.values()}) == 1


def _message(identifier: str, **translations: str) -> Message:
    return Message(
        id=identifier, en=f"message {identifier}", domains=("git",), label="x", translations=translations
    )


def test_shared_items_drops_the_thinnest_language_first_and_says_why() -> None:
    messages = [
        _message(f"{i:02d}", de=f"d{i}", ja=f"j{i}", **({"fi": f"f{i}"} if i < 3 else {})) for i in range(8)
    ]

    def at_least_five(common: list[Message]) -> str | None:
        return None if len(common) >= 5 else f"{len(common)} < 5"

    shared = datasets.shared_items(messages, ["en", "de", "fi", "ja"], at_least_five)
    assert shared.languages == ["en", "de", "ja"] and len(shared.messages) == 8
    assert shared.dropped == {"fi": "dropped for shared items: with it the 4 languages share 3 < 5"}


def test_shared_items_leaves_out_a_message_whose_translation_repeats() -> None:
    messages = [_message("a", de="gleich"), _message("b", de="gleich"), _message("c", de="anders")]
    shared = datasets.shared_items(messages, ["en", "de"], lambda common: None, unique=True)
    assert [m.id for m in shared.messages] == ["a", "c"]
    assert Counter(m.translations["de"] for m in shared.messages) == {"gleich": 1, "anders": 1}
