"""The msgkind rules against the shipped hand-labelled sample (a data file in the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.data.gettext.kinds import KINDS
from xstilts.data.gettext.validation import MIN_AGREEMENT, agreement, gold_paths, read_gold
from xstilts.errors import DataFormatError


@pytest.mark.parametrize("path", [None, *gold_paths()], ids=["all", "development", "held-out"])
def test_rules_agree_with_the_hand_labels(path: Path | None) -> None:
    gold = read_gold(path)
    assert len(gold) >= 120 and gold["id"].is_unique
    assert path is not None or len(gold) >= 360
    result = agreement(gold)
    assert result.agreement >= MIN_AGREEMENT, result.disagreements.to_string()
    for kind in ("error", "usage", "label"):  # the frequent kinds must each be found and be right
        assert result.per_kind.loc[kind, "precision"] >= 0.85
        assert result.per_kind.loc[kind, "recall"] >= 0.85


def test_agreement_counts_add_up() -> None:
    result = agreement(read_gold())
    assert int(result.confusion.to_numpy().sum()) == result.n
    assert result.per_kind["gold"].sum() == result.n == result.per_kind["rules"].sum()
    assert len(result.disagreements) == round(result.n * (1 - result.agreement))
    assert list(result.confusion.index) == list(KINDS)


def test_a_bad_gold_line_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.tsv"
    path.write_text("id\tcatalogs\tlabel\ttext\nabc\tgit\twarning\tsomething broke\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="label in error, question") as caught:
        read_gold(path)
    assert f"{path}:2" in str(caught.value) or "line 2" in str(caught.value)
