"""Figures about slopes and scores: small-multiple fits, paired changes, per-language dots, mitigation.

Figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas directly, never
through ``pyplot``: no global figure state, no GUI backend, nothing that a headless run or a test
could trip over. Each function writes one figure as PNG (at a dpi that keeps 8-point labels
legible), SVG and PDF side by side, and returns the PNG's path. Conditions get one panel each
rather than overlapping translucent bands, and per-language charts run down the page (one row per
language, the figure growing with the language count) so their labels stay readable.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from xstilts.analysis.comparisons import per_language_deltas
from xstilts.analysis.frame import BASELINE
from xstilts.analysis.regression import SlopeFit
from xstilts.analysis.tables import condition_order

DPI = 150
FORMATS = ("png", "svg", "pdf")  # every figure is written in each; the PNG is the one the page shows
ROW_INCHES = 0.2  # height of one language row in per-language charts
ROBUST_CI = "95% CI, cluster-robust t"


def slug(*parts: str) -> str:
    """A file-name-safe name built from ``parts``."""
    return "_".join(re.sub(r"[^A-Za-z0-9._-]+", "-", str(part)).strip("-") for part in parts)


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def figure_files(path: Path) -> list[Path]:
    """The files :func:`save` writes for ``path`` (``x.png`` -> ``x.png``, ``x.svg``, ``x.pdf``)."""
    return [path.with_suffix(f".{fmt}") for fmt in FORMATS]


def save(figure: Figure, path: Path) -> Path:
    """Write the figure in every format of :data:`FORMATS` next to ``path``; return the PNG's path.

    The layout is computed once, for the first format, then frozen: the vector copies reuse it
    (they have the same size in inches), which halves the cost of writing three files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for index, target in enumerate(figure_files(path)):
        figure.savefig(target, format=target.suffix.lstrip("."), dpi=DPI)
        if index == 0:
            figure.set_layout_engine("none")
    return path.with_suffix(".png")


def _grid(count: int, max_columns: int = 3) -> tuple[int, int]:
    columns = max(1, min(max_columns, count))
    return math.ceil(count / columns), columns


def _panels(count: int):
    """A figure of ``count`` small multiples sharing both axes (one per condition), and its axes grid."""
    panel_rows, columns = _grid(count)
    figure = new_figure(3.6 * columns + 0.4, 3.0 * panel_rows + 1.0)
    return figure, figure.subplots(panel_rows, columns, sharex=True, sharey=True, squeeze=False)


def _style_panel(axes, title: str) -> None:
    axes.set_title(title, fontsize=8)
    axes.tick_params(labelsize=8)
    axes.grid(color="#eee", linewidth=0.5)


def _finish_panels(figure, axes_grid, used: int, xlabel: str, ylabel: str, title: str) -> None:
    """Hide the unused panels; one x label, y label and title for the whole figure."""
    for axes in list(axes_grid.flat)[used:]:
        axes.set_visible(False)
    figure.supxlabel(xlabel, fontsize=9)
    figure.supylabel(ylabel, fontsize=9)
    figure.suptitle(title, fontsize=9)


def condition_colors(conditions: list[str]) -> dict[str, str]:
    """Black for no intermediate training, the tab10 cycle for the others (stable across figures)."""
    palette = [f"C{i}" for i in range(10)]
    others = [c for c in condition_order(conditions) if c != BASELINE]
    colors = {c: palette[i % len(palette)] for i, c in enumerate(others)}
    colors[BASELINE] = "black"
    return colors


def dependent_label(dependent: str, metric: str, reference: str) -> str:
    if dependent == "gap":
        return f"gap: {metric}(language) − {metric}({reference})"
    return f"score: {metric}"


def slope_unit(dependent: str, metric: str, kind: str) -> str:
    """What a slope's number means: the change of the dependent variable per 0.1 of distance."""
    return f"{dependent} ({metric}) per 0.1 {kind} distance"


def _condition_means(rows: pd.DataFrame, model: str, task: str, kind: str) -> pd.DataFrame:
    data = rows[(rows["model"] == model) & (rows["target_task"] == task) & rows["dependent"].notna()]
    data = data[data[f"d_{kind}"].notna()]
    return (
        data.groupby(["condition", "language"])
        .agg(x=(f"d_{kind}", "first"), y=("dependent", "mean"), dependent=("dependent_name", "first"),
             metric=("metric", "first"))
        .reset_index()
    )  # fmt: skip


def scatter_with_fits(
    rows: pd.DataFrame,
    fits: dict[tuple[str, str, str, str], SlopeFit],
    model: str,
    task: str,
    kind: str,
    reference: str,
    path: Path,
    legend: dict[str, str] | None = None,
) -> Path:
    """One panel per condition: language means vs distance, its OLS line and 95% band.

    Panels share both axes; the no-intermediate fit is repeated as a dashed grey line in every
    other panel, so a change of slope reads as the angle between two lines, not as colours mixing.
    ``legend`` (condition -> text) titles each panel with the report's own slope and interval, so
    the figure says what the tables say (per 0.1 of distance, interval kind named).
    """
    means = _condition_means(rows, model, task, kind)
    conditions = condition_order(list(means["condition"].unique())) or [BASELINE]
    colors = condition_colors(list(rows["condition"].unique()))
    figure, axes_grid = _panels(len(conditions))
    grid = np.linspace(means["x"].min(), means["x"].max(), 50) if len(means) else np.zeros(0)
    baseline = fits.get((model, task, kind, BASELINE))
    dependent = str(means["dependent"].iloc[0]) if len(means) else "score"
    metric = str(means["metric"].iloc[0]) if len(means) else ""
    for axes, condition in zip(axes_grid.flat, conditions, strict=False):
        points = means[means["condition"] == condition]
        axes.scatter(points["x"], points["y"], s=14, alpha=0.8, color=colors[condition], linewidths=0)
        fit = fits.get((model, task, kind, condition))
        title = f"{condition} (n = {len(points)})"
        if fit is not None and len(grid):
            mean, low, high = fit.band(grid)
            axes.plot(grid, mean, color=colors[condition], linewidth=1.8)
            axes.fill_between(grid, low, high, color=colors[condition], alpha=0.2, linewidth=0)
            title = (legend or {}).get(
                condition,
                f"{condition}: OLS slope per 0.1 {fit.slope * 0.1:+.2f} [{fit.ci_low * 0.1:+.2f}, "
                f"{fit.ci_high * 0.1:+.2f}]",
            )
        if baseline is not None and condition != BASELINE and len(grid):
            axes.plot(grid, baseline.band(grid)[0], color="grey", linewidth=1.0, linestyle="--")
        axes.axhline(0.0, color="grey", linewidth=0.6, linestyle=":")
        _style_panel(axes, title)
    _finish_panels(
        figure,
        axes_grid,
        len(conditions),
        f"{kind} distance to {reference}",
        dependent_label(dependent, metric, reference),
        f"{task} ({model}): {dependent} vs {kind} distance; panel titles = slope per 0.1 of distance "
        "with its 95% CI; band = 95% CI of the fit; dashed = none",
    )
    return save(figure, path)


def paired_changes(
    rows: pd.DataFrame, paired: pd.DataFrame, model: str, task: str, kind: str, reference: str, path: Path
) -> Path | None:
    """One panel per condition: each language's (condition − none) change against its distance.

    The same items are scored under both conditions, so this is the comparison the question asks
    for; the solid line and band are the mean change and its t 95% CI over languages (the paired
    table), so the figure shows the level change beside how it varies with distance.
    """
    data = rows[(rows["model"] == model) & (rows["target_task"] == task)]
    deltas = per_language_deltas(data)
    if deltas.empty:
        return None
    distance = data.groupby("language")[f"d_{kind}"].first()
    deltas = deltas.assign(x=deltas["language"].map(distance)).dropna(subset=["x", "delta"])
    conditions = [c for c in condition_order(list(deltas["condition"].unique())) if c != BASELINE]
    if not conditions:
        return None
    colors = condition_colors([BASELINE, *conditions])
    summary = paired[(paired["model"] == model) & (paired["target_task"] == task)].set_index("condition")
    metric = str(data["metric"].iloc[0])
    figure, axes_grid = _panels(len(conditions))
    for axes, condition in zip(axes_grid.flat, conditions, strict=False):
        points = deltas[deltas["condition"] == condition]
        axes.scatter(points["x"], points["delta"], s=14, color=colors[condition], linewidths=0)
        axes.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
        title = f"{condition} − none (n = {len(points)})"
        if condition in summary.index:
            row = summary.loc[condition]
            axes.axhline(row["mean_delta"], color=colors[condition], linewidth=1.5)
            axes.axhspan(row["ci_low"], row["ci_high"], color=colors[condition], alpha=0.15, linewidth=0)
            title = (
                f"{condition} − none: {row['mean_delta']:+.3g} [{row['ci_low']:+.3g}, {row['ci_high']:+.3g}]"
            )
        _style_panel(axes, title)
    _finish_panels(
        figure,
        axes_grid,
        len(conditions),
        f"{kind} distance to {reference}",
        f"change in {metric} (condition − none), per language",
        f"{task} ({model}): paired change per language; line = mean change [95% CI, t over languages]",
    )
    return save(figure, path)


def language_bars(scores: pd.DataFrame, order: list[str], model: str, task: str, path: Path) -> Path:
    """Score per language and condition, one row per language (dots = seed mean, whiskers = SD).

    Rows run down the page in ``order`` (nearest language at the top) and the figure grows with
    the number of languages, so every label keeps an 8-point font however many languages there are.
    """
    data = scores[(scores["model"] == model) & (scores["target_task"] == task)]
    conditions = condition_order(list(data["condition"].unique()))
    languages = [code for code in order if code in set(data["language"])]
    languages += sorted(set(data["language"]) - set(languages))
    colors = condition_colors(list(scores["condition"].unique()))
    row_height = ROW_INCHES + 0.03 * max(0, len(conditions) - 3)
    figure = new_figure(7.5, 1.6 + row_height * len(languages))
    axes = figure.add_subplot()
    positions = np.arange(len(languages))
    offset = 0.6 / max(1, len(conditions))
    for i, condition in enumerate(conditions):
        cells = data[data["condition"] == condition].set_index("language").reindex(languages)
        axes.errorbar(cells["mean"], positions + (i - (len(conditions) - 1) / 2) * offset,
                      xerr=cells["sd"].fillna(0), fmt="o", markersize=3.5, color=colors[condition],
                      label=condition, elinewidth=0.7, capsize=0)  # fmt: skip
    names = data.groupby("language")["name"].first()
    labels = [f"{code} {names.get(code, '')}".strip()[:28] for code in languages]
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_ylim(len(languages) - 0.5, -0.5)
    axes.grid(axis="x", color="#eee", linewidth=0.5)
    axes.tick_params(axis="x", labelsize=8, labeltop=len(languages) > 30)
    metric = str(data["metric"].iloc[0]) if len(data) else ""
    axes.set_xlabel(f"score: {metric} (dot = mean over seeds, whisker = SD)", fontsize=9)
    axes.set_title(f"{task} ({model}): score per language", fontsize=9)
    figure.legend(*axes.get_legend_handles_labels(), fontsize=8, ncols=min(5, len(conditions)),
                  loc="outside upper center")  # fmt: skip
    return save(figure, path)


def mitigation_forest(
    mitigation: pd.DataFrame, model: str, path: Path, kinds: list[str] | None = None
) -> Path:
    """Each condition's mitigation estimate (per 0.1 of distance) with its 95% CI, per task and kind.

    ``kinds`` keeps only those distance kinds (the headline's); every kind stays in the table.
    """
    data = mitigation[(mitigation["model"] == model) & (mitigation["kind"].isin(kinds) if kinds else True)]
    data = data.reset_index(drop=True)
    colors = condition_colors([BASELINE, *data["condition"].unique()])
    figure = new_figure(7.5, max(2.5, 0.3 * len(data) + 1.4))
    axes = figure.add_subplot()
    labels = []
    for position, row in enumerate(data.itertuples(index=False)):
        axes.plot([row.ci_low, row.ci_high], [position, position], color=colors[row.condition], linewidth=2)
        axes.plot(row.mitigation, position, "o", color=colors[row.condition])
        labels.append(f"{row.target_task} · {row.kind} · {row.condition} ({row.metric})")
    axes.axvline(0.0, color="grey", linewidth=0.8, linestyle="--")
    axes.set_yticks(np.arange(len(labels)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.tick_params(axis="x", labelsize=8)
    axes.set_xlabel("mitigation = reduction of the loss per 0.1 of distance (positive = flatter than none)",
                    fontsize=8)  # fmt: skip
    interval = ", ".join(sorted(set(data["interval"]))) if "interval" in data else "bootstrap"
    axes.set_title(f"{model}: mitigation estimates (dot), 95% CI ({interval}) (bar)", fontsize=9)
    return save(figure, path)
