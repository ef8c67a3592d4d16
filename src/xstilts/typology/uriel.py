"""URIEL feature vectors, read straight from the data files that the lang2vec wheel ships.

Why not ``lang2vec.get_features``: importing lang2vec needs ``pkg_resources`` and loads the 120 MB
family table at import time, and every ``get_features`` call reloads its ``.npz`` file (about 3.4 s
for ``fam``). Reading the same files with numpy once per process, for all 7,970 languages at once,
makes a 40-language table cost one load per feature set instead of one per call.

Each file holds ``langs`` (ISO 639-3 codes, a different order in each file), ``feats`` (feature
names), ``sources`` and ``data`` (languages x features x sources, ``-1`` = missing). The sets used
here have one source column each. Missing values become NaN explicitly (never 0), and a family
vector of all zeros (an isolate such as Basque, or an unclassified language) counts as missing,
because "member of no family" carries no genealogical information to compare.

Codes: anything :func:`xstilts.languages.to_iso3` accepts. ISO 639-1 codes map to lang2vec's
``LETTER_CODES`` convention (macrolanguages: ``ar -> ara``, ``zh -> zho``); an explicit ISO 639-3
code is used as given, so ``arb`` reads URIEL's ``arb`` row, which differs from ``ara``.
"""

from __future__ import annotations

import importlib.metadata
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from xstilts.errors import MissingResourceError, UnknownNameError
from xstilts.languages import to_iso3


@dataclass(frozen=True)
class FeatureSetSpec:
    """Where a lang2vec feature set lives: file, source column and feature-name prefix."""

    name: str
    filename: str
    source: str
    prefix: str
    description: str


# The lang2vec names and layout (lang2vec 1.1.2 FEATURE_SETS_DICT) of the sets the distances use.
FEATURE_SETS: dict[str, FeatureSetSpec] = {
    spec.name: spec
    for spec in (
        FeatureSetSpec("syntax_knn", "feature_predictions.npz", "predicted", "S_", "syntax (kNN-imputed)"),
        FeatureSetSpec(
            "phonology_knn", "feature_predictions.npz", "predicted", "P_", "phonology (kNN-imputed)"
        ),
        FeatureSetSpec(
            "inventory_knn", "feature_predictions.npz", "predicted", "INV_", "phoneme inventory (kNN-imputed)"
        ),
        FeatureSetSpec("fam", "family_features.npz", "FAM", "F_", "family membership (Glottolog)"),
        FeatureSetSpec("geo", "geocoord_features.npz", "GEOCOORDS", "GC_", "distance to 299 fixed points"),
    )
}


@dataclass(frozen=True)
class FeatureSet:
    """One feature set for every URIEL language, with NaN for missing values.

    ``values`` is float32 (languages x features); ``rows`` maps an ISO 639-3 code to its row.
    """

    spec: FeatureSetSpec
    feature_names: tuple[str, ...]
    rows: dict[str, int]
    values: np.ndarray

    def vectors(self, codes: list[str]) -> np.ndarray:
        """float64 rows for already-resolved codes, in order."""
        return self.values[[self.rows[code] for code in codes]].astype(np.float64)

    def missing_reason(self, code: str) -> str | None:
        """Why ``code`` has no usable vector in this set, or None when it has one."""
        row = self.values[self.rows[code]]
        known = row[~np.isnan(row)]
        if known.size == 0:
            return f"URIEL has no {self.spec.description} data for {code!r}"
        if self.spec.name == "fam" and not np.any(known):
            return f"URIEL classifies {code!r} in no family (isolate or unclassified: fam vector all zeros)"
        if not np.any(known):
            return f"{code!r} has an all-zero {self.spec.name} vector (no direction to compare)"
        return None


def data_dir() -> Path:
    """The lang2vec wheel's data folder, found through the installed distribution's metadata.

    Not ``importlib.util.find_spec("lang2vec")``: the wheel also installs a ``bin/lang2vec.py``
    script, which shadows the package whenever the running script's folder (``.venv/bin`` for the
    ``xstilts`` console script) comes first on ``sys.path``.
    """
    try:
        folder = Path(str(importlib.metadata.distribution("lang2vec").locate_file("lang2vec/data")))
    except importlib.metadata.PackageNotFoundError as error:
        raise MissingResourceError(
            "the lang2vec package (URIEL data) is not installed", fix="pip install lang2vec==1.1.2"
        ) from error
    if not folder.is_dir():
        raise MissingResourceError(
            "lang2vec is installed without its data folder", file=folder, fix="pip install lang2vec==1.1.2"
        )
    return folder


_LOAD_LOCK = threading.Lock()


def _file_path(filename: str) -> Path:
    path = data_dir() / filename
    if not path.is_file():
        raise MissingResourceError(
            f"lang2vec data file {filename} is missing",
            file=path,
            fix="pip install --force-reinstall lang2vec==1.1.2",
        )
    return path


@cache
def _load_file(filename: str) -> dict[str, FeatureSet]:
    """Every feature set stored in one lang2vec ``.npz``, decompressed once per process.

    The raw array is dropped after slicing so ``fam`` (~120 MB as float32) is held only once.
    """
    path = _file_path(filename)
    with np.load(path) as archive:
        langs, feats, sources, data = (archive[key] for key in ("langs", "feats", "sources", "data"))
    names = [str(feat) for feat in feats]
    source_names = [str(source) for source in sources]
    rows = {str(code): i for i, code in enumerate(langs)}
    loaded = {}
    for spec in FEATURE_SETS.values():
        if spec.filename != filename:
            continue
        columns = [i for i, feat in enumerate(names) if feat.startswith(spec.prefix)]
        if spec.source not in source_names or not columns:
            raise MissingResourceError(
                f"lang2vec file {filename} lacks source {spec.source!r} or {spec.prefix}* features",
                file=path,
                fix="pip install --force-reinstall lang2vec==1.1.2",
            )
        values = data[:, columns, source_names.index(spec.source)].astype(np.float32)
        values[values == -1.0] = np.nan
        loaded[spec.name] = FeatureSet(spec, tuple(names[i] for i in columns), rows, values)
    return loaded


def feature_set(name: str) -> FeatureSet:
    """A lang2vec feature set (``syntax_knn``, ``phonology_knn``, ``inventory_knn``, ``fam``, ``geo``).

    Loaded once per process for all languages; later calls are free.
    """
    if name not in FEATURE_SETS:
        raise UnknownNameError("URIEL feature set", name, FEATURE_SETS)
    filename = FEATURE_SETS[name].filename
    with _LOAD_LOCK:
        return _load_file(filename)[name]


@cache
def uriel_languages() -> frozenset[str]:
    """Every ISO 639-3 code URIEL has rows for (7,970 in lang2vec 1.1.2)."""
    with np.load(_file_path("feature_predictions.npz")) as archive:
        return frozenset(str(code) for code in archive["langs"])


def resolve(code: str) -> str:
    """The URIEL row code for a language code, or a one-line error naming close URIEL codes."""
    iso3 = to_iso3(code)
    known = uriel_languages()
    if iso3 not in known:
        shown = code if iso3 == code else f"{code} (ISO 639-3 {iso3})"
        raise UnknownNameError("URIEL language", shown, known)
    return iso3


def resolve_all(codes: list[str]) -> list[str]:
    """:func:`resolve` for each code, order kept."""
    return [resolve(code) for code in codes]


def features(codes: list[str], set_name: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Feature names and a (len(codes) x features) float64 matrix, NaN where URIEL has no value."""
    loaded = feature_set(set_name)
    return loaded.feature_names, loaded.vectors(resolve_all(codes))
