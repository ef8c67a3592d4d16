"""The UDHR build reports progress: one event per indexed declaration parsed."""

from __future__ import annotations

from pathlib import Path

from udhr_fixtures import fake_families

from xstilts.data.udhr.build import build_udhr_dataset
from xstilts.events import DatasetProgress


def test_build_emits_one_event_per_declaration(pinned_to_fixture: Path, tmp_path: Path) -> None:
    events: list[DatasetProgress] = []
    report = build_udhr_dataset(
        pinned_to_fixture, udhr_dir=tmp_path, families=fake_families, on_event=events.append
    )
    parsed = [e for e in events if e.stage == "declarations parsed"]
    indexed = report.manifest.details["counts"]["index_entries"]
    assert [e.done for e in parsed] == list(range(1, indexed + 1)) and {e.total for e in parsed} == {indexed}
    assert len({e.note for e in parsed}) == len(parsed)  # each declaration once, named by its key
    again: list[DatasetProgress] = []
    build_udhr_dataset(udhr_dir=tmp_path, families=fake_families, on_event=again.append)
    assert again == []  # up to date: nothing parsed
