"""Fixtures for the gettext dataset tests: a tiny locale directory and thresholds sized for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from gettext_fixtures import make_locale_dir

from xstilts.data.gettext import datasets, splits


@pytest.fixture
def locale_dir(tmp_path: Path) -> Path:
    return make_locale_dir(tmp_path / "locale")


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real thresholds need thousands of messages; the fixture corpus has a few hundred."""
    monkeypatch.setattr(splits, "TEST_PER_CLASS", 6)
    monkeypatch.setattr(splits, "DEV_PER_CLASS", 3)
    monkeypatch.setattr(datasets, "DOMAIN_TRAIN_CAP", 20)
    monkeypatch.setattr(datasets, "DOMAIN_MIN_TEST", 10)
    monkeypatch.setattr(datasets, "DOMAIN_MAX_MAJORITY", 0.6)
    monkeypatch.setattr(datasets, "RETRIEVAL_SIZE", 12)
    monkeypatch.setattr(datasets, "RETRIEVAL_MIN", 5)
    monkeypatch.setattr(datasets, "KIND_TRAIN_CAP", 1000)
    monkeypatch.setattr(datasets, "KIND_MIN_TRAIN", 10)
    monkeypatch.setattr(datasets, "KIND_MIN_DEV", 2)
