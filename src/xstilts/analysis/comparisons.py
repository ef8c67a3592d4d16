"""Paired comparisons of each condition against no intermediate training, language by language.

The unit is the language: each language's score is first averaged over seeds, then the condition's
mean minus the baseline's mean is one paired difference. The mean difference gets a t interval, a
one-sample t test and a Wilcoxon signed-rank test (which does not assume normal differences).
These compare *levels* of the score; the regressions compare *slopes* against distance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from xstilts.analysis.frame import BASELINE

PAIRED_COLUMNS = [
    "model", "target_task", "condition", "metric", "higher_is_better", "n_languages", "n_seeds",
    "mean_delta", "ci_low", "ci_high", "t_p", "wilcoxon_p", "n_better", "n_worse",
]  # fmt: skip


def language_means(rows: pd.DataFrame, value: str = "score") -> pd.DataFrame:
    """Mean (over seeds) of ``value`` per (model, task, condition, language), with the seed count."""
    grouped = rows.groupby(["model", "target_task", "condition", "language"], sort=True)[value]
    return grouped.agg(mean="mean", n_seeds="count").reset_index()


def per_language_deltas(rows: pd.DataFrame) -> pd.DataFrame:
    """Condition minus baseline per (model, task, condition, language): the paired differences."""
    means = language_means(rows)
    baseline = means[means["condition"] == BASELINE][["model", "target_task", "language", "mean", "n_seeds"]]
    treated = means[means["condition"] != BASELINE]
    paired = treated.merge(baseline, on=["model", "target_task", "language"], suffixes=("", "_baseline"))
    paired["delta"] = paired["mean"] - paired["mean_baseline"]
    return paired


def paired_comparisons(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, task, condition): mean paired difference, t CI, t and Wilcoxon p."""
    deltas = per_language_deltas(rows)
    info = rows.groupby("target_task").agg(
        metric=("metric", "first"), higher_is_better=("higher_is_better", "first")
    )
    records = []
    for (model, task, condition), group in deltas.groupby(["model", "target_task", "condition"], sort=True):
        differences = group["delta"].to_numpy(dtype=float)
        low, high, t_p = _t_summary(differences)
        better = differences > 0 if info.at[task, "higher_is_better"] else differences < 0
        worse = differences < 0 if info.at[task, "higher_is_better"] else differences > 0
        records.append(
            {"model": model, "target_task": task, "condition": condition, "metric": info.at[task, "metric"],
             "higher_is_better": bool(info.at[task, "higher_is_better"]), "n_languages": len(differences),
             "n_seeds": int(min(group["n_seeds"].min(), group["n_seeds_baseline"].min())),
             "mean_delta": float(differences.mean()), "ci_low": low, "ci_high": high, "t_p": t_p,
             "wilcoxon_p": _wilcoxon_p(differences), "n_better": int(better.sum()), "n_worse": int(worse.sum())}
        )  # fmt: skip
    return pd.DataFrame(records, columns=PAIRED_COLUMNS)


def _t_summary(differences: np.ndarray) -> tuple[float, float, float]:
    n = len(differences)
    if n < 2:
        return float("nan"), float("nan"), float("nan")
    mean = differences.mean()
    standard_error = differences.std(ddof=1) / np.sqrt(n)
    if standard_error == 0:
        return float(mean), float(mean), float("nan") if mean == 0 else 0.0
    half = stats.t.ppf(0.975, n - 1) * standard_error
    p_value = 2 * stats.t.sf(abs(mean / standard_error), n - 1)
    return float(mean - half), float(mean + half), float(p_value)


def _wilcoxon_p(differences: np.ndarray) -> float:
    """Two-sided signed-rank p; NaN below 6 languages, where no difference can reach p < 0.05."""
    nonzero = differences[differences != 0]
    if len(nonzero) < 6:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.wilcoxon(nonzero).pvalue)


def family_breakdown(rows: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """Per (model, task, condition, family): languages, mean score, mean dependent, mean delta vs none."""
    means = language_means(rows)
    dependents = language_means(rows[rows["dependent"].notna()], "dependent").rename(
        columns={"mean": "dependent"}
    )
    merged = means.merge(
        dependents[["model", "target_task", "condition", "language", "dependent"]],
        on=["model", "target_task", "condition", "language"],
        how="left",
    )
    deltas = per_language_deltas(rows)[["model", "target_task", "condition", "language", "delta"]]
    merged = merged.merge(deltas, on=["model", "target_task", "condition", "language"], how="left")
    merged["family"] = merged["language"].map(info["family"]).replace("", "(unknown)").fillna("(unknown)")
    table = (
        merged.groupby(["model", "target_task", "condition", "family"], sort=True)
        .agg(n_languages=("language", "nunique"), mean_score=("mean", "mean"),
             mean_dependent=("dependent", "mean"), mean_delta_vs_none=("delta", "mean"))
        .reset_index()
    )  # fmt: skip
    return table
