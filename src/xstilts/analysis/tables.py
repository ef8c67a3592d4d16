"""Paper-style tables: per-language scores, the condition x task delta matrix, the XTREME average.

Every table is a plain DataFrame (the report writes each one to CSV as it is, and renders a
readable copy), so the numbers a reader sees in the report are exactly those in the CSV files.
"""

from __future__ import annotations

import pandas as pd

from xstilts.analysis.comparisons import language_means
from xstilts.analysis.distances import DistanceSet
from xstilts.analysis.frame import BASELINE, canonical_codes
from xstilts.tasks.metrics.aggregate import language_average, qa_metric_pair, xtreme_task_score


def condition_order(conditions: list[str] | pd.Index) -> list[str]:
    """The baseline first, then the intermediate-task conditions alphabetically."""
    names = sorted({str(c) for c in conditions})
    return ([BASELINE] if BASELINE in names else []) + [c for c in names if c != BASELINE]


def per_language_scores(rows: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """Long table: mean and standard deviation over seeds of the score per language and condition."""
    grouped = rows.groupby(["model", "target_task", "metric", "condition", "language"], sort=True)["score"]
    table = grouped.agg(mean="mean", sd="std", n_seeds="count").reset_index()
    table.insert(5, "name", table["language"].map(info["name"]))
    return table


def per_language_wide(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, task, language), one column per condition: for reading, not for computing."""
    wide = scores.pivot_table(
        index=["model", "target_task", "language", "name"],
        columns="condition",
        values="mean",
        aggfunc="first",
    )
    wide = wide[condition_order(wide.columns)]
    wide.columns.name = None
    return wide.reset_index()


def delta_matrix(paired: pd.DataFrame) -> pd.DataFrame:
    """Long table of mean (condition - none) per (model, condition, task), with its n."""
    columns = ["model", "condition", "target_task", "mean_delta", "n_languages", "n_seeds"]
    return paired[columns].sort_values(["model", "condition", "target_task"]).reset_index(drop=True)


def delta_matrix_wide(matrix: pd.DataFrame) -> pd.DataFrame:
    """Condition rows x task columns, each cell ``+1.23 (n=25)`` for the report."""
    cells = matrix.assign(
        cell=[
            f"{delta:+.2f} (n={n})"
            for delta, n in zip(matrix["mean_delta"], matrix["n_languages"], strict=True)
        ]
    )
    wide = cells.pivot_table(
        index=["model", "condition"], columns="target_task", values="cell", aggfunc="first"
    )
    wide.columns.name = None
    return wide.reset_index()


def xtreme_average(rows: pd.DataFrame, qa_partners: pd.DataFrame | None = None) -> pd.DataFrame:
    """XTREME-style average: per task the XTREME task score over languages (of seed means), then the
    mean over tasks.

    The task score is :func:`xstilts.tasks.metrics.aggregate.xtreme_task_score`, the rule of
    XTREME's ``evaluate.py``: a plain mean over languages, except that a QA task counts by
    (mean EM + mean F1) / 2, its partner metric's rows given in ``qa_partners`` (a QA task
    without them counts by its own metric). Languages include the reference, as XTREME's own
    averages do. ``n_tasks`` says how many tasks entered each average; compare averages only
    between rows with the same task set.
    """
    per_task = _xtreme_task_scores(rows, qa_partners)
    wide = per_task.pivot_table(
        index=["model", "condition"], columns="target_task", values="mean", aggfunc="first"
    )
    tasks = list(wide.columns)
    wide["average"] = wide[tasks].mean(axis=1)
    wide["n_tasks"] = wide[tasks].notna().sum(axis=1)
    wide.columns.name = None
    wide = wide.reset_index()
    order = {name: i for i, name in enumerate(condition_order(wide["condition"]))}
    return wide.sort_values(
        ["model", "condition"], key=lambda c: c.map(order) if c.name == "condition" else c
    )


def _xtreme_task_scores(rows: pd.DataFrame, qa_partners: pd.DataFrame | None) -> pd.DataFrame:
    """One XTREME task score per (model, condition, task), from seed means per language."""
    metrics = _metric_of(rows)
    means = language_means(rows).assign(metric=lambda m: m["target_task"].map(metrics))
    if qa_partners is not None and not qa_partners.empty:
        partners = canonical_codes(qa_partners).rename(columns={"value": "score"})
        partner_means = language_means(partners).merge(
            partners.groupby("target_task")["metric"].first().reset_index(), on="target_task"
        )
        means = pd.concat([means, partner_means], ignore_index=True)
    records = []
    for (model, condition, task), group in means.groupby(["model", "condition", "target_task"], sort=True):
        by_metric = {
            str(metric): dict(zip(part["language"], part["mean"], strict=True))
            for metric, part in group.groupby("metric")
        }
        metric = metrics[task]
        pair = qa_metric_pair(metric)
        if pair is not None and not set(pair) <= set(by_metric):  # no partner rows: its own metric alone
            score = language_average(by_metric[metric])
        else:
            score = xtreme_task_score(metric, by_metric)
        records.append({"model": model, "condition": condition, "target_task": task, "mean": score})
    return pd.DataFrame(records, columns=["model", "condition", "target_task", "mean"])


def _metric_of(rows: pd.DataFrame) -> dict[str, str]:
    """The metric each task's rows carry (one per task after the score selection)."""
    return rows.groupby("target_task")["metric"].first().astype(str).to_dict()


def distances_table(distances: DistanceSet, languages: list[str], info: pd.DataFrame) -> pd.DataFrame:
    """Distances of each evaluated language to the reference and to each non-reference source."""
    table = distances.to_reference.reindex(languages).add_prefix(f"{distances.reference}:")
    for source, source_table in sorted(distances.to_source.items()):
        table = table.join(source_table.reindex(languages).add_prefix(f"{source}:"))
    table.insert(0, "family", [info.at[code, "family"] if code in info.index else "" for code in languages])
    table.insert(0, "name", [info.at[code, "name"] if code in info.index else code for code in languages])
    table.index.name = "language"
    return table.reset_index()
