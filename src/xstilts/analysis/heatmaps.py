"""Heatmaps: the condition x task delta matrix and the distances among evaluated languages.

The distance heatmap orders languages by average-linkage hierarchical clustering, so that
typologically close languages sit together and the blocks that drive a regression are visible.
Languages with a missing distance cannot be placed in a clustering and are named in the caption.
Each language gets a fixed row height, so the figure grows with the language count and its labels
stay legible rather than shrinking to fit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import pdist, squareform

from xstilts.analysis.plots import new_figure, save
from xstilts.analysis.tables import condition_order

CELL_INCHES = 0.15  # one language's row (and column): room for a 7-point label, however many languages


def delta_heatmap(deltas: pd.DataFrame, model: str, path: Path) -> Path:
    """Mean (condition - none) per condition and task, annotated with the value and its n."""
    data = deltas[deltas["model"] == model]
    matrix = data.pivot_table(index="condition", columns="target_task", values="mean_delta", aggfunc="first")
    counts = data.pivot_table(index="condition", columns="target_task", values="n_languages", aggfunc="first")
    rows = [c for c in condition_order(list(matrix.index)) if c in matrix.index]
    matrix, counts = matrix.loc[rows], counts.loc[rows]
    figure = new_figure(max(4.0, 1.3 * matrix.shape[1] + 2.5), max(2.2, 0.55 * matrix.shape[0] + 1.4))
    axes = figure.add_subplot()
    limit = float(np.nanmax(np.abs(matrix.to_numpy()))) if matrix.size else 1.0
    limit = limit if limit > 0 else 1.0
    image = axes.imshow(matrix.to_numpy(), cmap="RdBu", norm=TwoSlopeNorm(0.0, -limit, limit), aspect="auto")
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            value = matrix.iat[i, j]
            if np.isfinite(value):
                color = "white" if abs(value) > 0.6 * limit else "black"  # legible on the dark ends of RdBu
                axes.text(j, i, f"{value:+.2f}\nn={int(counts.iat[i, j])}", ha="center", va="center", fontsize=7,
                          color=color)  # fmt: skip
    axes.set_xticks(np.arange(matrix.shape[1]), list(matrix.columns), rotation=30, ha="right", fontsize=8)
    axes.set_yticks(np.arange(matrix.shape[0]), list(matrix.index), fontsize=8)
    axes.set_title(f"{model}: mean score change vs no intermediate training", fontsize=9)
    figure.colorbar(image, ax=axes, label="condition − none (score)")
    return save(figure, path)


def _cluster_order(matrix: np.ndarray, *, square: bool) -> np.ndarray:
    if len(matrix) < 3:
        return np.arange(len(matrix))
    condensed = squareform(matrix, checks=False) if square else pdist(matrix)
    return leaves_list(linkage(condensed, method="average"))


def _complete_block(matrix: pd.DataFrame) -> pd.DataFrame:
    """Drop, one at a time, the language with the most missing distances until none is missing.

    Dropping every language that touches a gap would drop them all (one language without data
    leaves a hole in every other language's row); dropping greedily keeps the rest.
    """
    while len(matrix) and matrix.isna().to_numpy().any():
        holes = matrix.isna().sum(axis=0) + matrix.isna().sum(axis=1)
        worst = holes.idxmax()
        matrix = matrix.drop(index=worst, columns=worst)
    return matrix


def distance_heatmap(pairwise: pd.DataFrame, kind: str, path: Path) -> tuple[Path, list[str]]:
    """Clustered square heatmap of ``kind`` distances; returns the path and the languages left out."""
    matrix = _complete_block(pairwise)
    complete = matrix.index
    dropped = sorted(set(pairwise.index) - set(complete))
    symmetric = (matrix.to_numpy() + matrix.to_numpy().T) / 2.0
    np.fill_diagonal(symmetric, 0.0)
    order = _cluster_order(symmetric, square=True)
    labels = [str(complete[i]) for i in order]
    size = 2.5 + CELL_INCHES * len(labels)  # at most PAIRWISE_HEATMAP_MAX languages come here
    figure = new_figure(size + 1.2, size)
    axes = figure.add_subplot()
    image = axes.imshow(symmetric[np.ix_(order, order)], cmap="viridis", aspect="equal")
    font = 7
    axes.set_xticks(np.arange(len(labels)), labels, rotation=90, fontsize=font)
    axes.set_yticks(np.arange(len(labels)), labels, fontsize=font)
    axes.set_title(f"{kind} distance among evaluated languages (average-linkage order)", fontsize=9)
    figure.colorbar(image, ax=axes, label=f"{kind} distance")
    return save(figure, path), dropped


def distance_profile_heatmap(
    to_reference: pd.DataFrame, reference: str, path: Path
) -> tuple[Path, list[str]]:
    """Languages x distance kinds (to the reference), rows clustered: the form that scales to hundreds."""
    complete = to_reference.dropna()
    dropped = sorted(set(to_reference.index) - set(complete.index))
    order = _cluster_order(complete.to_numpy(), square=False)
    ordered = complete.iloc[order]
    figure = new_figure(2.0 + 0.9 * ordered.shape[1], 2.0 + CELL_INCHES * len(ordered))
    axes = figure.add_subplot()
    image = axes.imshow(ordered.to_numpy(), cmap="viridis", aspect="auto")
    axes.set_xticks(np.arange(ordered.shape[1]), list(ordered.columns), rotation=30, ha="right", fontsize=8)
    axes.set_yticks(np.arange(len(ordered)), list(ordered.index), fontsize=7)
    axes.set_title(f"distances to {reference} per kind (rows clustered)", fontsize=9)
    figure.colorbar(image, ax=axes, label="distance")
    return save(figure, path), dropped
