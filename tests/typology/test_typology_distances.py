"""The six URIEL distances: values, properties, linguistic orderings and explicit missing data."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from xstilts.errors import UnknownNameError
from xstilts.typology import DISTANCE_KINDS, MEASURE, distance, distance_matrix, distance_table
from xstilts.typology.distances import cosine_distance_matrix

# A spread of families, scripts and areas, plus Basque (no family in URIEL).
PANEL = ["en", "de", "nl", "fr", "es", "pt", "ru", "fi", "hu", "tr", "ja", "ko", "zh", "ar", "sw", "eu"]


@pytest.fixture(scope="module")
def matrices() -> dict[str, pd.DataFrame]:
    """All six matrices over the panel, computed once for the module (URIEL loads once per process)."""
    return {kind: distance_matrix(PANEL, kind) for kind in DISTANCE_KINDS}


def test_eng_jpn_reproduces_lang2vec_cosine_values() -> None:
    observed = {
        "syntactic": 0.500,
        "phonological": 0.333,
        "inventory": 0.346,
        "geographic": 0.144,
        "genetic": 1.0,
        "genetic-cosine": 1.0,
    }
    values = distance("eng", "jpn")
    assert set(values) == set(DISTANCE_KINDS)
    for kind, expected in observed.items():
        assert values[kind] == pytest.approx(expected, abs=0.01), kind
    assert 0.0 < values["featural"] < 1.0


def test_iso1_and_iso3_codes_give_the_same_distances() -> None:
    assert distance("en", "ja") == distance("eng", "jpn")


def test_matrices_are_symmetric_zero_diagonal_and_in_unit_interval(matrices: dict[str, pd.DataFrame]) -> None:
    for kind, matrix in matrices.items():
        values = matrix.to_numpy()
        assert list(matrix.index) == PANEL and list(matrix.columns) == PANEL
        assert np.array_equal(np.isnan(values), np.isnan(values.T)), kind
        assert np.allclose(values, values.T, equal_nan=True), kind
        assert np.all(np.diag(values) == 0.0), kind
        finite = values[~np.isnan(values)]
        assert np.all((finite >= 0.0) & (finite <= 1.0)), kind
        off_diagonal = values[~np.eye(len(PANEL), dtype=bool)]
        assert np.nanmax(off_diagonal) > 0.0, kind  # not a degenerate all-zero matrix
        assert matrix.attrs["measure"] == MEASURE


def test_only_basque_genetic_is_missing_in_the_panel(matrices: dict[str, pd.DataFrame]) -> None:
    for kind, matrix in matrices.items():
        nan_rows = {label for label in PANEL if matrix.loc[label].drop(label).isna().any()}
        assert nan_rows == ({"eu"} | set(PANEL) if kind.startswith("genetic") else set()), kind
    assert list(matrices["genetic"].attrs["missing"]) == ["eu"]


def test_distances_order_as_linguistics_expects() -> None:
    assert distance("eng", "deu")["syntactic"] < distance("eng", "jpn")["syntactic"]
    assert distance("spa", "por")["genetic"] < distance("spa", "fin")["genetic"]
    assert distance("fra", "deu")["geographic"] < distance("fra", "jpn")["geographic"]
    assert distance("spa", "por")["featural"] < distance("spa", "kor")["featural"]


def test_tree_genetic_distance_orders_known_pairs_and_ignores_branch_depth() -> None:
    d = {
        pair: distance(*pair)["genetic"]
        for pair in [("spa", "por"), ("spa", "ita"), ("spa", "deu"), ("spa", "fin")]
    }
    assert d[("spa", "por")] < d[("spa", "ita")] < d[("spa", "deu")] < d[("spa", "fin")] == 1.0
    # eng shares only Indo-European with both spa and bul: one distance, whatever the branch depths.
    assert distance("eng", "spa")["genetic"] == distance("eng", "bul")["genetic"] == 0.5
    assert (
        distance("eng", "spa")["genetic-cosine"] > distance("eng", "bul")["genetic-cosine"]
    )  # the cosine's quirk
    assert distance("eng", "deu")["genetic"] < distance("eng", "spa")["genetic"]


def test_basque_genetic_distance_is_nan_with_a_reason() -> None:
    assert math.isnan(distance("eu", "en")["genetic"])
    table = distance_table(["eu", "de"], reference="en")
    assert math.isnan(table.loc["eu", "genetic"])
    assert not math.isnan(table.loc["de", "genetic"])
    reasons = table.attrs["missing"]["eu"]
    assert [r.split(":")[0] for r in reasons] == ["genetic", "genetic-cosine"]  # the tree and the cosine
    assert all("eus" in r and "no family" in r for r in reasons)
    assert "de" not in table.attrs["missing"]
    # The other five kinds for Basque are real numbers.
    assert table.loc["eu"].drop(["genetic", "genetic-cosine"]).notna().all()


def test_missing_reference_marks_every_row() -> None:
    table = distance_table(["en", "fr"], reference="eus", kinds=["genetic", "syntactic"])
    assert table["genetic"].isna().all() and table["syntactic"].notna().all()
    assert set(table.attrs["missing"]) == {"en", "fr"}


def test_distance_table_keeps_labels_and_order_as_given() -> None:
    languages = ["ja", "eng", "de", "zh_CN"]
    table = distance_table(languages, reference="en", kinds=("syntactic", "geographic"))
    assert list(table.index) == languages and list(table.columns) == ["syntactic", "geographic"]
    assert table.loc["eng"].tolist() == [0.0, 0.0]
    assert table.loc["zh_CN", "syntactic"] == pytest.approx(distance("zho", "eng")["syntactic"])
    assert table.attrs == {"missing": {}, "measure": MEASURE, "reference": "en"}


def test_unknown_codes_raise_one_line_errors() -> None:
    with pytest.raises(UnknownNameError) as caught:
        distance("en", "qqq")
    message = str(caught.value)
    assert "\n" not in message and "'qqq'" in message and "URIEL" in message and "did you mean" in message
    with pytest.raises(UnknownNameError, match="'xx'"):
        distance_table(["xx"], reference="en")
    with pytest.raises(UnknownNameError, match="distance kind 'syntax'"):
        distance_matrix(["en", "de"], "syntax")


def test_cosine_ignores_dimensions_either_language_lacks() -> None:
    vectors = np.array(
        [
            [1.0, 0.0, np.nan, 1.0],
            [1.0, np.nan, 1.0, 1.0],
            [0.0, 1.0, 0.0, 0.0],
            [np.nan, np.nan, 1.0, np.nan],
        ]
    )
    result = cosine_distance_matrix(vectors)
    assert result[0, 1] == pytest.approx(0.0)  # identical on the shared dimensions 0 and 3
    assert result[0, 2] == pytest.approx(1.0)  # orthogonal
    assert np.isnan(result[0, 3])  # no shared known dimension
    assert np.isnan(result[2, 3])  # row 2 is all zeros on the one shared dimension
    assert np.all(np.diag(result) == 0.0)


def _import_real_lang2vec(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """lang2vec's API module, not the ``bin/lang2vec.py`` script its wheel also installs.

    Run as ``.venv/bin/pytest``, ``sys.path`` starts with ``.venv/bin`` and that script shadows
    the package, so the folder is taken off ``sys.path`` for this import.
    """
    monkeypatch.setattr(
        sys, "path", [entry for entry in sys.path if not (Path(entry) / "lang2vec.py").is_file()]
    )
    for name in ("lang2vec", "lang2vec.lang2vec"):
        module = sys.modules.get(name)
        if module is not None and not hasattr(module, "get_features") and not hasattr(module, "__path__"):
            monkeypatch.delitem(sys.modules, name)
    return pytest.importorskip("lang2vec.lang2vec")


def test_vectors_match_lang2vec_get_features(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy reader agrees with lang2vec's own API (including '--' for missing values)."""
    from scipy.spatial.distance import cosine

    from xstilts.typology.uriel import features

    l2v = _import_real_lang2vec(monkeypatch)
    for set_name in ("syntax_knn", "geo"):
        reference = l2v.get_features(["eng", "jpn"], set_name)
        _, ours = features(["eng", "jpn"], set_name)
        assert np.allclose(ours[0], np.array(reference["eng"], dtype=float))
        expected = cosine(reference["eng"], reference["jpn"])
        kind = "syntactic" if set_name == "syntax_knn" else "geographic"
        assert distance("eng", "jpn")[kind] == pytest.approx(expected, abs=1e-9)
    sparse = l2v.get_features(["kaz"], "syntax_wals")["kaz"]
    assert "--" in sparse  # the convention our reader turns into NaN
