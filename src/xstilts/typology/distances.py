"""The six URIEL distances between languages, computed offline from lang2vec's vectors.

lang2vec's ``distance()`` reads precomputed tables (``distances.zip``) that the PyPI wheel lacks, so
the distances are computed here, following the definitions URIEL's distances are documented with
(Littell et al. 2017; Lin et al. 2019, "Choosing Transfer Languages", which introduced them; the
lang2vec maintainer's answer in antonisa/lang2vec#7: "dimensions with missing features are
ignored"). Every distance is the cosine distance ``1 - cos(u, v)`` between two URIEL vectors,
computed over the dimensions both languages have a value for:

==============  ==================================================================================
syntactic       ``syntax_knn`` (103 WALS/SSWL/Ethnologue syntax features, kNN-imputed)
phonological    ``phonology_knn`` (28 WALS/Ethnologue phonology features, kNN-imputed)
inventory       ``inventory_knn`` (158 PHOIBLE inventory features, kNN-imputed)
genetic         ``fam`` as a tree: ``1 / (1 + shared clades)`` (:func:`shared_clade_distance_matrix`)
genetic-cosine  ``fam`` (3,718 Glottolog family/subfamily memberships), cosine: the v1 "genetic"
geographic      ``geo`` (angular distance to 299 fixed points on the globe, divided by 180 degrees)
featural        the three typological sets concatenated (289 features): URIEL+'s "featural"
==============  ==================================================================================

Why cosine and not URIEL+'s angular distance (``2 arccos(cos) / pi``): the cosine numbers are what
lang2vec users compute from these vectors and what this project's earlier observations were made
with (eng-jpn: syntactic 0.500, phonological 0.333, inventory 0.346, geographic 0.144, genetic 1.0).
The two are different measures: :data:`MEASURE` names the one used, and results store it.

Not reproduced exactly: URIEL's own precomputed genetic distance walks the Glottolog tree and its
geographic one is the great-circle distance divided by the antipodal distance; neither table nor
the tree ships with the wheel, so both are computed as cosine over ``fam`` and ``geo``, as lang2vec
users and URIEL+ do (checked: identical to ``urielplus`` 1.3.2 with ``set_distance_metric("cosine")``
on these two kinds). The paper's great-circle definition is available separately, as a different
measure, in :mod:`xstilts.typology.geography`. "Featural" is documented only as "combining" the
other vectors; like URIEL+ we take the typological ones (syntax + phonology + inventory), so that
family and location are not counted twice when featural is regressed next to them.

Missing data is explicit: a language without a vector (a family isolate such as Basque has an
all-zero ``fam`` vector) gets NaN plus a reason, never 0. A language's distance to itself is 0.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xstilts.errors import UnknownNameError
from xstilts.typology import cache
from xstilts.typology.uriel import feature_set, resolve, resolve_all

DISTANCE_KINDS: tuple[str, ...] = (
    "syntactic",
    "phonological",
    "inventory",
    "genetic",
    "geographic",
    "featural",
    "genetic-cosine",
)

# Bump the version suffix whenever a definition changes: the disk cache is keyed by it.
MEASURE: str = "uriel-lang2vec-cosine-knn-v2-clade-genetic"

KIND_FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "syntactic": ("syntax_knn",),
    "phonological": ("phonology_knn",),
    "inventory": ("inventory_knn",),
    "genetic": ("fam",),
    "geographic": ("geo",),
    "featural": ("syntax_knn", "phonology_knn", "inventory_knn"),
    "genetic-cosine": ("fam",),
}
TREE_KINDS = frozenset({"genetic"})  # computed by :func:`shared_clade_distance_matrix`, not cosine


@dataclass(frozen=True)
class DistanceBundle:
    """All six distance matrices for one sorted set of URIEL codes, plus why values are missing.

    ``missing[code][kind]`` explains a language-level gap (no vector); pair-level gaps (no shared
    known feature) are explained by :meth:`reason`.
    """

    codes: tuple[str, ...]
    matrices: dict[str, np.ndarray]
    missing: dict[str, dict[str, str]]

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def value(self, kind: str, a: str, b: str) -> float:
        return float(self.matrices[kind][self.index(a), self.index(b)])

    def reason(self, kind: str, a: str, b: str) -> str | None:
        """Why ``kind`` is NaN for (a, b), or None when it is a number."""
        if not np.isnan(self.value(kind, a, b)):
            return None
        for code in (a, b):
            if kind in self.missing.get(code, {}):
                return self.missing[code][kind]
        return f"no {kind} feature is known for both {a!r} and {b!r}"


def cosine_distance_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise ``1 - cos`` over the dimensions both rows know (NaN = unknown), clipped to [0, 1].

    NaN where two rows share no known dimension or one of them is all zeros there. The diagonal
    is 0 by definition (a language is at distance 0 from itself even without data).
    """
    known = ~np.isnan(vectors)
    filled = np.where(known, vectors, 0.0)
    mask = known.astype(np.float64)
    squares = filled * filled
    dots = filled @ filled.T
    norms_left = squares @ mask.T  # |u|^2 over the dimensions v knows
    norms_right = mask @ squares.T  # |v|^2 over the dimensions u knows
    shared = mask @ mask.T
    denominator = np.sqrt(norms_left * norms_right)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = dots / denominator
    distances = np.clip(1.0 - cosine, 0.0, 1.0)
    distances[(shared == 0) | (denominator == 0)] = np.nan
    np.fill_diagonal(distances, 0.0)
    return distances


def shared_clade_distance_matrix(memberships: np.ndarray) -> np.ndarray:
    """Tree distance ``1 / (1 + s)``, s = number of Glottolog clades two languages share.

    A ``fam`` row marks every clade on a language's path from its family root, so the clades two
    languages share are exactly the path from the root down to their deepest common ancestor, and
    s is that ancestor's depth. The distance depends only on how deep the common ancestor lies,
    not on how finely either branch is subdivided below it: eng-spa and eng-bul (sharing only
    Indo-European) are both 0.5, where the cosine (and Dice) order them by branch depth. Different
    families share nothing: 1.0 (Glottolog relates no families). NaN where a row has no known
    clade (isolates); 0 on the diagonal.
    """
    known = np.nan_to_num(memberships, nan=0.0)
    shared = known @ known.T
    distances = 1.0 / (1.0 + shared)
    empty = ~(known > 0).any(axis=1)
    distances[empty, :] = np.nan
    distances[:, empty] = np.nan
    np.fill_diagonal(distances, 0.0)
    return distances


def _compute_bundle(codes: tuple[str, ...]) -> DistanceBundle:
    """Load each needed feature set once (for all languages) and compute all six matrices."""
    code_list = list(codes)
    missing: dict[str, dict[str, str]] = {}
    matrices = {}
    for kind in DISTANCE_KINDS:
        parts = [feature_set(name) for name in KIND_FEATURE_SETS[kind]]
        vectors = np.hstack([part.vectors(code_list) for part in parts])
        matrix = (
            shared_clade_distance_matrix(vectors) if kind in TREE_KINDS else cosine_distance_matrix(vectors)
        )
        for i, code in enumerate(code_list):
            reasons = [r for r in (part.missing_reason(code) for part in parts) if r]
            if reasons:
                missing.setdefault(code, {})[kind] = "; ".join(reasons)
                matrix[i, :] = np.nan  # a language without a vector is missing, never "close"
                matrix[:, i] = np.nan
                matrix[i, i] = 0.0
        matrices[kind] = matrix
    return DistanceBundle(codes, matrices, missing)


_MEMO: dict[tuple[str, ...], DistanceBundle] = {}
_MEMO_LOCK = threading.Lock()


def bundle(codes: list[str]) -> DistanceBundle:
    """The distance bundle for resolved URIEL codes: from memory, else disk, else computed (and saved)."""
    key = tuple(sorted(set(codes)))
    with _MEMO_LOCK:
        if key in _MEMO:
            return _MEMO[key]
        cached = cache.load_entry(MEASURE, key)
        if cached is not None:
            result = DistanceBundle(key, *cached)
        else:
            result = _compute_bundle(key)
            cache.save_entry(MEASURE, key, result.matrices, result.missing)
        _MEMO[key] = result
        return result


def clear_memory_cache() -> None:
    """Forget in-process bundles (the disk cache stays); tests use it to prove disk hits."""
    with _MEMO_LOCK:
        _MEMO.clear()


def _check_kinds(kinds: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    for kind in kinds:
        if kind not in DISTANCE_KINDS:
            raise UnknownNameError("distance kind", kind, DISTANCE_KINDS)
    return tuple(kinds)


def distance(a: str, b: str) -> dict[str, float]:
    """All six distances between two languages (any code :func:`~xstilts.languages.to_iso3` takes).

    NaN where URIEL lacks the data; :func:`distance_table` also says why.
    """
    code_a, code_b = resolve(a), resolve(b)
    found = bundle([code_a, code_b])
    return {kind: found.value(kind, code_a, code_b) for kind in DISTANCE_KINDS}


def distance_table(
    languages: list[str], reference: str, kinds: tuple[str, ...] | list[str] = DISTANCE_KINDS
) -> pd.DataFrame:
    """Distances from each language to ``reference``: one row per language (index exactly as given).

    ``attrs["missing"]``: {language: ["<kind>: <reason>", ...]} for every NaN;
    ``attrs["measure"]``: :data:`MEASURE`; ``attrs["reference"]``: the reference as given.
    """
    kinds = _check_kinds(kinds)
    resolved = resolve_all(languages)
    reference_code = resolve(reference)
    found = bundle([*resolved, reference_code])
    rows = []
    missing: dict[str, list[str]] = {}
    for language, code in zip(languages, resolved, strict=True):
        rows.append([found.value(kind, code, reference_code) for kind in kinds])
        for kind in kinds:
            why = found.reason(kind, code, reference_code)
            if why is not None:
                missing.setdefault(language, []).append(f"{kind}: {why}")
    table = pd.DataFrame(
        rows, index=pd.Index(list(languages), name="language"), columns=list(kinds), dtype=float
    )
    table.attrs.update({"missing": missing, "measure": MEASURE, "reference": reference})
    return table


def distance_matrix(languages: list[str], kind: str) -> pd.DataFrame:
    """Square, symmetric ``kind`` distances among ``languages`` (labels as given), zero diagonal.

    ``attrs["missing"]`` lists each language-level gap as in :func:`distance_table`.
    """
    (kind,) = _check_kinds([kind])
    resolved = resolve_all(languages)
    found = bundle(resolved)
    positions = [found.index(code) for code in resolved]
    values = found.matrices[kind][np.ix_(positions, positions)]
    matrix = pd.DataFrame(values.copy(), index=list(languages), columns=list(languages))
    missing = {
        language: [f"{kind}: {found.missing[code][kind]}"]
        for language, code in zip(languages, resolved, strict=True)
        if kind in found.missing.get(code, {})
    }
    matrix.attrs.update({"missing": missing, "measure": MEASURE, "kind": kind})
    return matrix
