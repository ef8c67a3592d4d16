"""Figures about slopes and scores: scatter with fitted lines, per-language bars, mitigation forest.

Figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas directly, never
through ``pyplot``: no global figure state, no GUI backend, nothing that a headless run or a test
could trip over. Each function writes one PNG and returns its path.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from xstilts.analysis.frame import BASELINE
from xstilts.analysis.regression import SlopeFit
from xstilts.analysis.tables import condition_order

DPI = 110


def slug(*parts: str) -> str:
    """A file-name-safe name built from ``parts``."""
    return "_".join(re.sub(r"[^A-Za-z0-9._-]+", "-", str(part)).strip("-") for part in parts)


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


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
    """Per-language mean dependent vs distance, one colour per condition, OLS line and 95% band.

    ``legend`` (condition -> text) puts the report's own slope and interval in the legend, so the
    figure says what the tables say (per 0.1 of distance, interval kind named).
    """
    data = rows[(rows["model"] == model) & (rows["target_task"] == task) & rows["dependent"].notna()]
    column = f"d_{kind}"
    data = data[data[column].notna()]
    means = (
        data.groupby(["condition", "language"])
        .agg(x=(column, "first"), y=("dependent", "mean"))
        .reset_index()
    )
    colors = condition_colors(list(rows["condition"].unique()))
    figure = new_figure(7.0, 4.8)
    axes = figure.add_subplot()
    grid = np.linspace(means["x"].min(), means["x"].max(), 50) if len(means) else np.zeros(0)
    for condition in condition_order(list(means["condition"].unique())):
        points = means[means["condition"] == condition]
        axes.scatter(points["x"], points["y"], s=18, alpha=0.7, color=colors[condition])
        fit = fits.get((model, task, kind, condition))
        label = condition
        if fit is not None and len(grid):
            mean, low, high = fit.band(grid)
            axes.plot(grid, mean, color=colors[condition], linewidth=1.8)
            axes.fill_between(grid, low, high, color=colors[condition], alpha=0.15, linewidth=0)
            label = (legend or {}).get(
                condition,
                f"{condition}: OLS slope per 0.1 {fit.slope * 0.1:+.2f} [{fit.ci_low * 0.1:+.2f}, "
                f"{fit.ci_high * 0.1:+.2f}]",
            )
        axes.plot([], [], color=colors[condition], marker="o", label=label)
    dependent = str(data["dependent_name"].iloc[0]) if len(data) else "score"
    metric = str(data["metric"].iloc[0]) if len(data) else ""
    axes.set_xlabel(f"{kind} distance to {reference}")
    axes.set_ylabel(dependent_label(dependent, metric, reference))
    axes.set_title(
        f"{task} ({model}): {dependent} vs {kind} distance; lines = OLS, bands = 95% CI", fontsize=9
    )
    axes.axhline(0.0, color="grey", linewidth=0.6, linestyle=":")
    axes.legend(fontsize=7, loc="best")
    return save(figure, path)


def language_bars(scores: pd.DataFrame, order: list[str], model: str, task: str, path: Path) -> Path:
    """Score per language (mean over seeds, whiskers = SD) per condition, languages in ``order``."""
    data = scores[(scores["model"] == model) & (scores["target_task"] == task)]
    conditions = condition_order(list(data["condition"].unique()))
    languages = [code for code in order if code in set(data["language"])]
    languages += sorted(set(data["language"]) - set(languages))
    colors = condition_colors(list(scores["condition"].unique()))
    width = min(30.0, 3.0 + 0.13 * len(languages) * max(1, len(conditions)))
    figure = new_figure(width, 4.2)
    axes = figure.add_subplot()
    positions = np.arange(len(languages))
    bar = 0.8 / max(1, len(conditions))
    for i, condition in enumerate(conditions):
        cells = data[data["condition"] == condition].set_index("language").reindex(languages)
        axes.bar(positions + (i - (len(conditions) - 1) / 2) * bar, cells["mean"], bar, yerr=cells["sd"].fillna(0),
                 color=colors[condition], label=condition, error_kw={"linewidth": 0.6})  # fmt: skip
    axes.set_xticks(positions, languages, rotation=90, fontsize=7 if len(languages) < 80 else 4)
    axes.set_xlim(-0.6, len(languages) - 0.4)
    metric = str(data["metric"].iloc[0]) if len(data) else ""
    axes.set_ylabel(f"score: {metric}")
    axes.set_title(f"{task} ({model}): score per language (mean over seeds; whiskers = SD)", fontsize=9)
    axes.legend(fontsize=7, ncols=min(4, len(conditions)))
    return save(figure, path)


def mitigation_forest(mitigation: pd.DataFrame, model: str, path: Path) -> Path:
    """Each condition's mitigation estimate (per 0.1 of distance) with its 95% CI, per task and kind."""
    data = mitigation[mitigation["model"] == model].reset_index(drop=True)
    colors = condition_colors([BASELINE, *data["condition"].unique()])
    figure = new_figure(7.5, max(2.5, 0.32 * len(data) + 1.2))
    axes = figure.add_subplot()
    labels = []
    for position, row in enumerate(data.itertuples(index=False)):
        axes.plot([row.ci_low, row.ci_high], [position, position], color=colors[row.condition], linewidth=2)
        axes.plot(row.mitigation, position, "o", color=colors[row.condition])
        labels.append(f"{row.target_task} · {row.kind} · {row.condition}")
    axes.axvline(0.0, color="grey", linewidth=0.8, linestyle="--")
    axes.set_yticks(np.arange(len(labels)), labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("mitigation = reduction of the loss per 0.1 of distance (positive = flatter than none)")
    kinds = ", ".join(sorted(set(data["interval"]))) if "interval" in data else "bootstrap"
    axes.set_title(f"{model}: mitigation estimates, 95% CI ({kinds})", fontsize=9)
    return save(figure, path)
