"""The two controls read exactly msgkind's texts: shuffled labels, and masked LM without labels."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from xstilts.data.gettext.build import build
from xstilts.tasks import TaskType, get_task
from xstilts.tasks.loading import read_examples

pytestmark = pytest.mark.usefixtures("small_thresholds")


@pytest.fixture
def built(locale_dir: Path, tmp_path: Path) -> Path:
    return build(locale_dir, out_dir=tmp_path / "out").path


def test_shuffled_control_keeps_texts_and_label_mix_but_breaks_the_link(built: Path) -> None:
    kind, shuffled = get_task("msgkind"), get_task("msgkind-shuffled")
    for split in ("train", "dev"):
        original = read_examples(kind, built, split, "en")
        control = read_examples(shuffled, built, split, "en")
        assert [(r["id"], r["text"]) for r in control] == [(r["id"], r["text"]) for r in original]
        assert Counter(r["label"] for r in control) == Counter(r["label"] for r in original)
    original = read_examples(kind, built, "train", "en")
    control = read_examples(shuffled, built, "train", "en")
    moved = sum(a["label"] != b["label"] for a, b in zip(original, control, strict=True))
    assert moved > len(original) / 2  # most messages carry another kind's label
    # the same permutation in every source: the control stays parallel
    for language in ("de", "ja", "fi"):
        rows = read_examples(shuffled, built, "train", language)
        assert [(r["id"], r["label"]) for r in rows] == [(r["id"], r["label"]) for r in control]


def test_mlm_control_reads_the_same_texts_without_labels(built: Path) -> None:
    spec = get_task("msgkind-mlm")
    assert spec.task_type is TaskType.MASKED_LM and spec.trainable
    for language in ("en", "ja"):
        rows = read_examples(spec, built, "train", language, 15, 3)
        texts = read_examples(get_task("msgkind"), built, "train", language, 15, 3)
        assert rows == [{"id": r["id"], "text": r["text"]} for r in texts]  # same subsample, no label
