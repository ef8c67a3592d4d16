"""The gettext build reports its progress as events: every catalog read, every file written."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.data.gettext.build import build
from xstilts.data.gettext.corpus import message_catalogs
from xstilts.events import DatasetProgress

pytestmark = pytest.mark.usefixtures("small_thresholds")


def test_build_emits_one_event_per_catalog_and_per_file(locale_dir: Path, tmp_path: Path) -> None:
    events: list[DatasetProgress] = []
    result = build(locale_dir, out_dir=tmp_path / "out", on_event=events.append)
    catalogs, _ = message_catalogs(locale_dir)
    read = [e for e in events if e.stage == "catalogs read"]
    written = [e for e in events if e.stage == "files written"]
    assert [e.done for e in read] == list(range(1, len(catalogs) + 1))
    assert {e.total for e in read} == {len(catalogs)} and {e.note for e in read} == {
        c.locale for c in catalogs
    }
    assert sorted(e.note for e in written) == sorted(result.manifest.files)
    assert written[-1].done == written[-1].total == len(result.manifest.files)
    # an up-to-date dataset is confirmed without reading a catalog
    again: list[DatasetProgress] = []
    assert build(locale_dir, out_dir=tmp_path / "out", on_event=again.append).status == "up_to_date"
    assert again == []
