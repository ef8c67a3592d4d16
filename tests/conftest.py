"""Test-wide settings: an isolated XSTILTS_HOME, offline hubs, deterministic threads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Everything xstilts builds during tests goes to a temporary home, never the user's cache."""
    if "XSTILTS_TEST_KEEP_HOME" not in os.environ:
        os.environ["XSTILTS_HOME"] = str(tmp_path_factory.mktemp("xstilts-home"))


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.support.tiny import build_tiny_model, register_tiny_tasks, write_data

    register_tiny_tasks()
    root = tmp_path_factory.mktemp("tiny")
    data = write_data(root / "data")
    model = build_tiny_model(root / "model", data)
    return {"data": data, "model": model, "root": root}
