"""Disk cache of distance tables, and top-level families from URIEL's ``fam`` vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.typology import MEASURE, distance_table, top_level_families, top_level_family
from xstilts.typology import distances as distances_module
from xstilts.typology.cache import entry_path

LANGUAGES = ["en", "de", "ja", "fi", "eu", "sw"]


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XSTILTS_HOME", str(tmp_path))
    distances_module.clear_memory_cache()
    yield tmp_path
    distances_module.clear_memory_cache()


def test_second_call_reads_the_disk_cache_without_recomputing(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = distance_table(LANGUAGES, reference="en")
    codes = ("deu", "eng", "eus", "fin", "jpn", "swa")
    path = entry_path(MEASURE, codes)
    assert path.is_file() and path.is_relative_to(fresh_home / "cache" / "typology")

    distances_module.clear_memory_cache()

    def must_not_run(codes: tuple[str, ...]) -> None:
        raise AssertionError(f"recomputed {codes} despite the disk cache")

    monkeypatch.setattr(distances_module, "_compute_bundle", must_not_run)
    second = distance_table(LANGUAGES, reference="en")
    assert second.equals(first)
    assert second.attrs["missing"] == first.attrs["missing"]
    # A different language set is a different key: it must compute (and here, hit the guard).
    with pytest.raises(AssertionError, match="recomputed"):
        distance_table(["en", "fr"], reference="en")


def test_a_corrupt_cache_entry_is_recomputed(fresh_home: Path) -> None:
    first = distance_table(["en", "ja"], reference="en")
    path = entry_path(MEASURE, ("eng", "jpn"))
    path.write_bytes(b"not an npz")
    distances_module.clear_memory_cache()
    again = distance_table(["en", "ja"], reference="en")
    assert again.equals(first)
    assert path.read_bytes()[:2] == b"PK"  # rewritten as a valid npz (zip) file


def test_top_level_families_for_known_languages() -> None:
    families = top_level_families(["en", "hi", "sw", "yo", "ja", "ko", "zh", "ar", "fi", "tl", "quy", "eu"])
    assert families == {
        "en": "Indo-European",
        "hi": "Indo-European",
        "sw": "Atlantic-Congo",
        "yo": "Atlantic-Congo",
        "ja": "Japonic",
        "ko": "Koreanic",
        "zh": "Sino-Tibetan",
        "ar": "Afro-Asiatic",
        "fi": "Uralic",
        "tl": "Austronesian",
        "quy": "Quechuan",
        "eu": None,
    }
    assert top_level_family("deu") == "Indo-European"


def test_coordinates_recovered_from_geo_vectors() -> None:
    from xstilts.typology.geography import coordinates, great_circle_distance, great_circle_matrix

    places = coordinates(["en", "ja", "quy"])
    assert 50 < places.loc["en", "latitude"] < 56 and -4 < places.loc["en", "longitude"] < 2
    assert 30 < places.loc["ja", "latitude"] < 40 and 130 < places.loc["ja", "longitude"] < 142
    assert places.loc["quy", "latitude"] < 0 and places.loc["quy", "longitude"] < -60
    matrix = great_circle_matrix(["fr", "de", "ja"]).to_numpy()
    assert (matrix == matrix.T).all() and (matrix.diagonal() == 0).all()
    # Paris-Tokyo is about 9,700 km; the antipodal distance is about 20,015 km.
    assert great_circle_distance("fr", "ja") * 20015 == pytest.approx(9700, rel=0.1)
    assert great_circle_distance("fr", "de") < great_circle_distance("fr", "ja")
