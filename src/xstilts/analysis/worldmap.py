"""A world map of each condition's change vs no intermediate training, one panel per condition.

Plain longitude/latitude scatter with a graticule: no map tiles, no coastline downloads, so it
renders offline and identically everywhere. For the UDHR breadth study the geography of gains and
losses is the point; the outline of continents emerges from the hundreds of language points.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from xstilts.analysis.comparisons import per_language_deltas
from xstilts.analysis.plots import new_figure, save
from xstilts.analysis.tables import condition_order


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
    figure = new_figure(6.5 * columns, 3.6 * panel_rows + 0.6)
    limit = float(np.nanmax(np.abs(deltas["delta"]))) or 1.0
    norm = TwoSlopeNorm(0.0, -limit, limit)
    image = None
    for index, condition in enumerate(conditions):
        axes = figure.add_subplot(panel_rows, columns, index + 1)
        points = deltas[deltas["condition"] == condition]
        image = axes.scatter(points["longitude"], points["latitude"], c=points["delta"], cmap="RdBu", norm=norm,
                             s=22, edgecolors="black", linewidths=0.3)  # fmt: skip
        axes.set_xlim(-180, 180)
        axes.set_ylim(-60, 80)
        axes.set_xticks(range(-180, 181, 60))
        axes.set_yticks(range(-60, 81, 30))
        axes.grid(color="lightgrey", linewidth=0.5)
        axes.set_aspect("equal")
        axes.tick_params(labelsize=7)
        axes.set_xlabel("longitude", fontsize=7)
        axes.set_ylabel("latitude", fontsize=7)
        axes.set_title(f"{condition} − none ({len(points)} languages)", fontsize=9)
    figure.suptitle(f"{task} ({model}): score change vs no intermediate training", fontsize=10)
    if image is not None:
        figure.colorbar(image, ax=figure.axes, label="condition − none (score)", shrink=0.8)
    return save(figure, path)
