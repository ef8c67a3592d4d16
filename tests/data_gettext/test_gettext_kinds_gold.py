"""The msgkind rules against the shipped hand-labelled sample (a data file in the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.data.gettext.kinds import KINDS, RULES_VERSION
from xstilts.data.gettext.validation import BLIND, MIN_AGREEMENT, agreement, read_gold
from xstilts.errors import DataFormatError


def test_rules_agree_with_the_hand_labels() -> None:
    gold = read_gold()
    assert len(gold) >= 200 and gold["id"].is_unique
    result = agreement(gold)
    assert result.agreement >= MIN_AGREEMENT, result.disagreements.to_string()
    for kind in ("error", "usage", "label"):  # the frequent kinds must each be found and be right
        assert result.per_kind.loc[kind, "precision"] >= 0.85
        assert result.per_kind.loc[kind, "recall"] >= 0.85
    # every batch, including the last blind one, stays above the blind estimates recorded for it
    for batch, row in result.per_batch.iterrows():
        assert row["agreement"] >= BLIND[batch][2] - 1e-9, batch


def test_the_last_batch_was_a_blind_test_of_the_current_rules() -> None:
    """A rules change after the last blind batch must come with a new blind batch (or say so)."""
    last = max(BLIND)
    assert BLIND[last][1] == RULES_VERSION
    assert agreement(read_gold().query("batch == @last")).agreement == pytest.approx(BLIND[last][2], abs=5e-4)


def test_agreement_counts_add_up() -> None:
    result = agreement(read_gold())
    assert int(result.confusion.to_numpy().sum()) == result.n
    assert result.per_kind["gold"].sum() == result.n == result.per_kind["rules"].sum()
    assert len(result.disagreements) == round(result.n * (1 - result.agreement))
    assert list(result.confusion.index) == list(KINDS)
    assert result.per_batch["n"].sum() == result.n


def test_a_bad_gold_line_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.tsv"
    path.write_text(
        "id\tbatch\tcatalogs\tlabel\ttext\nabc\t1\tgit\twarning\tsomething broke\n", encoding="utf-8"
    )
    with pytest.raises(DataFormatError, match="label in error, question") as caught:
        read_gold(path)
    assert "2" in str(caught.value)
