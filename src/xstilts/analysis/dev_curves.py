"""Dev curves of every training job: did each phase learn, and had it stopped learning?

Level changes between conditions measure what the intermediate task taught only if the phases
trained long enough; a curve still rising at its last step says they measure optimisation speed
instead. Training jobs record their dev evaluations (step, loss, score per dev set and their
mean) in the store's provenance; the report draws one panel per phase, a line per condition (the
mean over seeds) with each seed's run as a thin line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from xstilts.analysis import plots
from xstilts.pipeline.kinds import TRAINING_KINDS, JobKind

PHASES = TRAINING_KINDS  # the job kinds with a dev curve
COLUMNS = ["phase", "model", "condition", "target", "seed", "job_id", "step", "loss", "dev"]


def _training_jobs(jobs: pd.DataFrame, config_hashes: set[str] | None):
    """Each training job (of ``config_hashes`` only, when given) as (its identity columns, provenance)."""
    for job in jobs[jobs["kind"].isin(PHASES)].itertuples():
        provenance = json.loads(job.provenance_json or "{}")
        if config_hashes is not None and provenance.get("config_hash") not in config_hashes:
            continue
        tags = provenance.get("tags") or {}
        identity = {"phase": job.kind, "job_id": job.job_id}
        identity.update({name: tags.get(name, "") for name in ("model", "condition", "target", "seed")})
        yield identity, provenance


def curve_table(jobs: pd.DataFrame, config_hashes: set[str] | None = None) -> pd.DataFrame:
    """One row per dev evaluation of every training job (of ``config_hashes`` only, when given)."""
    rows = [
        {**identity, "step": int(point["step"]), "loss": point.get("loss"), "dev": point.get("mean")}
        for identity, provenance in _training_jobs(jobs, config_hashes)
        for point in provenance.get("dev_history") or []
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def curve_figure(table: pd.DataFrame, phase: str, path: Path) -> Path | None:
    """Mean dev score by step per condition (thick) over each run's own curve (thin)."""
    rows = table[table["phase"] == phase].dropna(subset=["dev"])
    if rows.empty:
        return None
    figure = plots.new_figure(6.4, 3.6)
    axes = figure.add_subplot()
    colors = plots.condition_colors(sorted(rows["condition"].unique()))
    for condition, line in rows.groupby("condition", sort=True):
        color = colors[str(condition)]
        for _, run in line.groupby("job_id"):
            axes.plot(run["step"], run["dev"], color=color, linewidth=0.6, alpha=0.35)
        mean = line.groupby("step")["dev"].mean()
        axes.plot(mean.index, mean.values, color=color, marker="o", markersize=3, label=str(condition))
    axes.set_xlabel("training step")
    axes.set_ylabel("dev score (mean over the phase's dev sets)")
    what = "intermediate task(s)" if phase == JobKind.INTERMEDIATE else "target task (English)"
    axes.set_title(f"{phase}: dev curves on the {what}; thin lines are single runs", fontsize=9)
    axes.legend(fontsize=7, ncol=2)
    return plots.save(figure, path)


def curve_figures(
    jobs: pd.DataFrame, config_hashes: set[str] | None, out_dir: Path
) -> dict[str, tuple[str, str]]:
    """Every phase's dev-curve figure (name -> (path relative to the report, caption)) and ``dev_curves.csv``."""
    table = curve_table(jobs, config_hashes)
    if table.empty:
        return {}
    table.to_csv(out_dir / "dev_curves.csv", index=False)
    figures = {}
    for phase in PHASES:
        name = f"dev_curves_{phase}"
        path = curve_figure(table, phase, out_dir / "figures" / f"{name}.png")
        if path is not None:
            last = table[table["phase"] == phase].groupby("job_id")["step"].max().max()
            figures[name] = (
                path.relative_to(out_dir).as_posix(),
                f"{phase}: dev score by training step per condition (last evaluation at step {last}); "
                "a curve still rising at its end means the phase stopped before a plateau.",
            )
    return figures


SELECTION_COLUMNS = ["phase", "model", "condition", "target", "seed", "job_id", "learning_rate", "best_dev",
                     "best_step", "steps", "chosen"]  # fmt: skip


def selection_table(jobs: pd.DataFrame, config_hashes: set[str] | None = None) -> pd.DataFrame:
    """One row per learning-rate candidate of every training job that picked its rate on dev."""
    rows = []
    for identity, provenance in _training_jobs(jobs, config_hashes):
        selection = provenance.get("learning_rate_selection") or {"candidates": []}
        for candidate in selection["candidates"]:
            rows.append(
                {
                    **identity,
                    "learning_rate": candidate["learning_rate"],
                    "best_dev": candidate["best_dev_mean"],
                    "best_step": candidate["best_step"],
                    "steps": candidate["steps"],
                    "chosen": candidate["learning_rate"] == selection["chosen_learning_rate"],
                }
            )
    return pd.DataFrame(rows, columns=SELECTION_COLUMNS)


def selection_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per phase, condition and target: how often each declared rate won, and its mean best dev score.

    A rate that wins at the edge of the declared set says the set should have been wider.
    """
    if table.empty:
        return pd.DataFrame(columns=["phase", "condition", "target", "learning_rate", "runs", "chosen",
                                     "mean_best_dev"])  # fmt: skip
    grouped = table.groupby(["phase", "condition", "target", "learning_rate"], sort=True)
    summary = grouped.agg(
        runs=("job_id", "nunique"), chosen=("chosen", "sum"), mean_best_dev=("best_dev", "mean")
    )
    summary["chosen"] = summary["chosen"].astype(int)
    return summary.reset_index()
