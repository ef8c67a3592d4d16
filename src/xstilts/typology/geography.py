"""Language coordinates recovered from URIEL's ``geo`` vectors, and great-circle distances.

URIEL's paper defines geographic distance as the orthodromic (great-circle) distance divided by
the antipodal distance. The wheel has no coordinate table, but each ``geo`` feature ``GC_<lat>_<lon>``
is the angular distance from the language to that fixed point divided by 180 degrees, so the
position follows exactly from a linear least-squares fit: with ``p`` the language's unit vector and
``x_k`` the anchors', ``p . x_k = cos(pi * value_k)`` for all 299 anchors.

This is an alternative to the cosine ``geographic`` distance of :mod:`xstilts.typology.distances`
(cosine over ``geo`` squeezes all of Europe into 0.000-0.01), offered for analyses that want the
paper's definition; it is a different measure and is named :data:`GREAT_CIRCLE_MEASURE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xstilts.typology.uriel import feature_set, resolve_all

GREAT_CIRCLE_MEASURE = "uriel-geo-great-circle-over-antipodal-v1"


def _unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _anchor_vectors() -> np.ndarray:
    names = feature_set("geo").feature_names  # "GC_<lat>_<lon>"
    points = np.array([[float(part) for part in name.removeprefix("GC_").split("_")] for name in names])
    return _unit_vectors(points[:, 0], points[:, 1])


def _positions(codes: list[str]) -> np.ndarray:
    """Unit position vectors (NaN rows where URIEL has no ``geo`` values) for resolved codes."""
    anchors = _anchor_vectors()
    values = feature_set("geo").vectors(codes)
    out = np.full((len(codes), 3), np.nan)
    for i, row in enumerate(values):
        known = ~np.isnan(row)
        if known.sum() < 3:
            continue
        solution, *_ = np.linalg.lstsq(anchors[known], np.cos(np.pi * row[known]), rcond=None)
        out[i] = solution / np.linalg.norm(solution)
    return out


def coordinates(codes: list[str]) -> pd.DataFrame:
    """Latitude and longitude (degrees) per code, index exactly as given; NaN where URIEL has none."""
    positions = _positions(resolve_all(codes))
    latitude = np.degrees(np.arcsin(np.clip(positions[:, 2], -1.0, 1.0)))
    longitude = np.degrees(np.arctan2(positions[:, 1], positions[:, 0]))
    return pd.DataFrame(
        {"latitude": latitude, "longitude": longitude}, index=pd.Index(list(codes), name="language")
    )


def great_circle_matrix(codes: list[str]) -> pd.DataFrame:
    """Great-circle distance divided by the antipodal distance (0 = same place, 1 = antipodes)."""
    positions = _positions(resolve_all(codes))
    cosines = np.clip(positions @ positions.T, -1.0, 1.0)
    fraction = np.arccos(cosines) / np.pi
    np.fill_diagonal(fraction, 0.0)
    matrix = pd.DataFrame(fraction, index=list(codes), columns=list(codes))
    matrix.attrs["measure"] = GREAT_CIRCLE_MEASURE
    return matrix


def great_circle_distance(a: str, b: str) -> float:
    """:func:`great_circle_matrix` for one pair."""
    return float(great_circle_matrix([a, b]).iloc[0, 1])
