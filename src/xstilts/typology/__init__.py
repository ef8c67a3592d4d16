"""Typology: URIEL feature vectors, the six URIEL distances and language families, offline.

Public API (what analysis and dataset code import)::

    DISTANCE_KINDS, MEASURE
    distance(a, b) -> {kind: float}                      # NaN where missing
    distance_table(languages, reference, kinds) -> DataFrame  # attrs: missing, measure
    distance_matrix(languages, kind) -> DataFrame        # square, symmetric, zero diagonal
    top_level_family(code), top_level_families(codes)

See :mod:`xstilts.typology.distances` for the exact definitions, and
:mod:`xstilts.typology.geography` for coordinates and the great-circle geographic distance.
"""

from xstilts.typology.distances import (
    DISTANCE_KINDS,
    MEASURE,
    distance,
    distance_matrix,
    distance_table,
)
from xstilts.typology.families import top_level_families, top_level_family

__all__ = [
    "DISTANCE_KINDS",
    "MEASURE",
    "distance",
    "distance_matrix",
    "distance_table",
    "top_level_families",
    "top_level_family",
]
