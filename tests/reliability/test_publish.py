"""xstilts.publish: a published folder is there complete or not at all, whatever goes wrong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xstilts.leases import LEASE, dead_tempdirs
from xstilts.publish import publishing


def _leftovers(parent: Path, final: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p != final)


def test_a_folder_is_published_whole_and_nothing_is_left_beside_it(tmp_path: Path) -> None:
    final = tmp_path / "data" / "v1"
    with publishing(final) as tmp:
        assert tmp.parent == final.parent and tmp.name.startswith(".v1.tmp-") and not final.exists()
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a.jsonl").write_text("{}\n", encoding="utf-8")
    assert (final / "sub" / "a.jsonl").read_text(encoding="utf-8") == "{}\n"
    assert _leftovers(final.parent, final) == []


def test_an_error_while_filling_leaves_the_old_folder_as_it_was(tmp_path: Path) -> None:
    final = tmp_path / "v1"
    final.mkdir()
    (final / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), publishing(final) as tmp:
        (tmp / "new.txt").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert [p.name for p in final.iterdir()] == ["old.txt"]
    assert _leftovers(tmp_path, final) == []


def test_a_rebuild_replaces_the_old_folder(tmp_path: Path) -> None:
    final = tmp_path / "v1"
    final.mkdir()
    (final / "old.txt").write_text("old", encoding="utf-8")
    with publishing(final) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    assert _leftovers(tmp_path, final) == []


def test_a_failing_rename_puts_the_old_folder_back(tmp_path: Path, monkeypatch) -> None:
    final = tmp_path / "v1"
    final.mkdir()
    (final / "old.txt").write_text("old", encoding="utf-8")
    real_replace = os.replace

    def failing(src, dst):
        if Path(src).name.startswith(".v1.tmp-"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="No space"), publishing(final) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
    assert [p.name for p in final.iterdir()] == ["old.txt"]
    assert _leftovers(tmp_path, final) == []


def test_with_complete_the_first_complete_copy_wins_and_an_incomplete_one_is_set_aside(
    tmp_path: Path,
) -> None:
    def complete(folder: Path) -> bool:
        return (folder / "meta.json").is_file()

    final = tmp_path / "key"
    final.mkdir()
    (final / "meta.json").write_text("theirs", encoding="utf-8")
    with publishing(final, complete=complete) as tmp:
        (tmp / "meta.json").write_text("ours", encoding="utf-8")
    assert (final / "meta.json").read_text(encoding="utf-8") == "theirs"

    (final / "meta.json").unlink()  # now an incomplete leftover
    aside: list[Path] = []
    with publishing(
        final, complete=complete, set_aside=lambda f: aside.append(f.rename(tmp_path / "aside"))
    ) as tmp:
        (tmp / "meta.json").write_text("ours", encoding="utf-8")
    assert (final / "meta.json").read_text(encoding="utf-8") == "ours"
    assert aside == [tmp_path / "aside"] and _leftovers(tmp_path, final) == ["aside"]


def test_a_leased_folder_holds_a_lease_while_filled_and_not_once_published(tmp_path: Path) -> None:
    final = tmp_path / "features" / "f1"
    with publishing(final, prefix=".tmp-", leased=True) as tmp:
        assert (tmp / LEASE).is_file()
        assert dead_tempdirs(final.parent) == []  # a live owner's folder is never removed
        (tmp / "dataset_info.json").write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in final.iterdir()) == ["dataset_info.json"]
