"""Distance matrices written as CSV plus a clustered heatmap PNG, one pair per distance kind.

The heatmap orders languages by average-linkage hierarchical clustering (scipy) so related
languages sit next to each other and blocks become visible; the dendrogram is drawn beside it.
Missing cells (NaN) are drawn grey and listed under the plot. For the clustering alone they count
as the maximum distance 1.0, since the linkage needs finite values; the CSV keeps them empty.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from xstilts.errors import ConfigError
from xstilts.typology.distances import MEASURE, distance_matrix


def _tree(matrix: pd.DataFrame) -> np.ndarray | None:
    """Average-linkage tree over the matrix (NaN counted as 1.0), or None below three languages."""
    if len(matrix.index) < 3:
        return None
    filled = np.nan_to_num(matrix.to_numpy(dtype=float), nan=1.0)
    filled = (filled + filled.T) / 2.0
    np.fill_diagonal(filled, 0.0)
    return linkage(squareform(filled, checks=False), method="average", optimal_ordering=True)


def cluster_order(matrix: pd.DataFrame) -> list[str]:
    """Language labels in average-linkage leaf order (NaN treated as distance 1.0 for ordering)."""
    labels = list(matrix.index)
    tree = _tree(matrix)
    if tree is None:
        return labels
    return [labels[i] for i in dendrogram(tree, no_plot=True)["leaves"]]


def plot_clustered_heatmap(matrix: pd.DataFrame, kind: str, path: Path) -> Path:
    """Draw ``matrix`` (square, labelled) as a clustered heatmap PNG at ``path``."""
    order = cluster_order(matrix)
    tree = _tree(matrix)
    ordered = matrix.loc[order, order]
    size = max(5.0, 0.28 * len(order) + 3.0)
    figure = plt.figure(figsize=(size + 1.5, size))
    heat_axes = figure.add_axes((0.22, 0.12, 0.62, 0.78))
    color_axes = figure.add_axes((0.86, 0.12, 0.025, 0.78))
    if tree is not None:
        tree_axes = figure.add_axes((0.02, 0.12, 0.12, 0.78))
        dendrogram(
            tree,
            orientation="left",
            no_labels=True,
            ax=tree_axes,
            color_threshold=0,
            above_threshold_color="0.3",
        )
        tree_axes.invert_yaxis()
        tree_axes.axis("off")
    colormap = plt.get_cmap("viridis").with_extremes(bad="0.75")
    image = heat_axes.imshow(
        np.ma.masked_invalid(ordered.to_numpy(dtype=float)), cmap=colormap, vmin=0.0, vmax=1.0, aspect="auto"
    )
    heat_axes.set_xticks(range(len(order)), order, rotation=90, fontsize=8)
    heat_axes.set_yticks(range(len(order)), order, fontsize=8)
    heat_axes.set_title(f"{kind} distance ({MEASURE})", fontsize=10)
    figure.colorbar(image, cax=color_axes)
    missing = sorted(matrix.attrs.get("missing", {}))
    if missing:
        figure.text(0.22, 0.02, f"grey = missing ({', '.join(missing)})", fontsize=8)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def write_matrices(languages: list[str], kinds: list[str], out_dir: Path) -> list[Path]:
    """For each kind, write ``<kind>_distance.csv`` and ``<kind>_distance.png`` under ``out_dir``."""
    if len(languages) < 2:
        raise ConfigError(
            "a distance matrix needs at least two languages", fix="pass --languages en,de,ja,..."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds:
        matrix = distance_matrix(languages, kind)
        csv_path = out_dir / f"{kind}_distance.csv"
        matrix.to_csv(csv_path, float_format="%.6f", index_label="language")
        written.append(csv_path)
        written.append(plot_clustered_heatmap(matrix, kind, out_dir / f"{kind}_distance.png"))
    return written
