"""The retrieval layer sweep: score by encoder layer per condition (issue 17's protocol figure).

Retrieval jobs with ``layer_sweep`` store the main metric at every hidden state of one forward pass
(rows with variant ``layer07``, ...; :func:`xstilts.tasks.metrics.keys.layer_variant`). The paper read retrieval from mean-pooled layer 14 of XLM-R
Large's 24; the sweep shows whether intermediate training changes the top layers (what the heads
are trained on) more than the middle ones, and how far the chosen layer is from the best.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xstilts.analysis import plots

_LAYER_VARIANT = r"^layer(?P<layer>\d+)$"
PAPER_FRACTION = 14 / 24  # layer 14 of XLM-R Large's 24


def sweep_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean over languages and seeds of each layer's score per (model, task, condition, layer)."""
    layers = pd.to_numeric(scores["variant"].str.extract(_LAYER_VARIANT)["layer"])
    plain = (scores["direction"] == "") & (scores["reference"] == "")
    rows = scores.assign(layer=layers)[plain].dropna(subset=["layer"])
    if rows.empty:
        return pd.DataFrame(
            columns=["model", "target_task", "condition", "metric", "layer", "mean", "languages", "seeds"]
        )
    grouped = rows.groupby(["model", "target_task", "condition", "metric", "layer"], sort=True)
    table = grouped.agg(mean=("value", "mean"), languages=("language", "nunique"), seeds=("seed", "nunique"))
    return table.reset_index().astype({"layer": int})


def sweep_figure(table: pd.DataFrame, model: str, task: str, path: Path) -> Path | None:
    """One line per condition: mean score by layer, the paper's relative depth marked."""
    rows = table[(table["model"] == model) & (table["target_task"] == task)]
    if rows.empty:
        return None
    figure = plots.new_figure(6.4, 3.6)
    axes = figure.add_subplot()
    colors = plots.condition_colors(sorted(rows["condition"].unique()))
    for condition, line in rows.groupby("condition", sort=True):
        axes.plot(line["layer"], line["mean"], marker="o", markersize=3, label=str(condition),
                  color=colors[str(condition)])  # fmt: skip
    last = int(rows["layer"].max())
    paper = round(PAPER_FRACTION * last)
    axes.axvline(paper, color="grey", linestyle="--", linewidth=1)
    axes.text(
        paper, axes.get_ylim()[0], f" paper depth (layer {paper})", color="grey", fontsize=8, va="bottom"
    )
    axes.set_xlabel(f"encoder layer (0 = embeddings, {last} = last)")
    axes.set_ylabel(f"{rows['metric'].iloc[0]}, mean over languages")  # as stored (retrieval: %)
    axes.set_title(f"{task}: score by layer ({model})", fontsize=10)
    axes.legend(fontsize=7, ncol=2)
    return plots.save(figure, path)


def sweep_figures(scores: pd.DataFrame, out_dir: Path) -> dict[str, tuple[str, str]]:
    """Every sweep figure (name -> (path relative to the report, caption)) and ``layer_sweep.csv``."""
    table = sweep_table(scores)
    if table.empty:
        return {}
    table.to_csv(out_dir / "layer_sweep.csv", index=False)
    figures = {}
    for (model, task), _ in table.groupby(["model", "target_task"], sort=True):
        name = plots.slug("layer_sweep", str(model), str(task))
        path = sweep_figure(table, str(model), str(task), out_dir / "figures" / f"{name}.png")
        if path is not None:
            figures[name] = (path.relative_to(out_dir).as_posix(), f"{task}: retrieval score by encoder layer "
                             "per condition (one forward pass; the primary score is read at the paper's depth).")  # fmt: skip
    return figures
