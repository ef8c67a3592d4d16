"""Run every estimate the report needs and collect it in :class:`AnalysisResults`.

This module only decides *which* subsets are fitted (per model, task, distance kind and condition)
and records why a subset is skipped; the estimators live in :mod:`~xstilts.analysis.regression`
(cluster-robust OLS), :mod:`~xstilts.analysis.bootstrap` and :mod:`~xstilts.analysis.comparisons`.

Mitigation is signed so that a positive value always means "the condition loses less per unit of
distance than no intermediate training": ``slope(condition) - slope(none)`` for metrics where
higher is better, its negative where lower is better.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xstilts.analysis import bootstrap, comparisons, regression, tables
from xstilts.analysis.distances import DistanceSet, attach_distances
from xstilts.analysis.frame import BASELINE, EXCLUSION_COLUMNS, AnalysisFrame
from xstilts.analysis.metadata import cluster_labels, has_families

SLOPE_COLUMNS = [
    "model", "target_task", "dependent", "metric", "kind", "distance_to", "condition", "slope", "ci_low",
    "ci_high", "p_value", "boot_low", "boot_high", "r2", "n_languages", "n_obs", "cluster", "n_clusters",
]  # fmt: skip
MITIGATION_COLUMNS = [
    "model", "target_task", "dependent", "metric", "kind", "condition", "slope_none", "slope_condition",
    "mitigation", "ci_low", "ci_high", "p_value", "robust_ci_low", "robust_ci_high", "n_languages",
    "cluster", "n_clusters", "verdict",
]  # fmt: skip
SKIP_COLUMNS = ["model", "target_task", "kind", "distance_to", "condition", "reason"]


@dataclass
class AnalysisResults:
    """Everything the report shows, as DataFrames (one CSV each) plus the fits the plots draw."""

    frame: AnalysisFrame
    distances: DistanceSet
    info: pd.DataFrame
    rows: pd.DataFrame
    slopes: pd.DataFrame
    mitigation: pd.DataFrame
    paired: pd.DataFrame
    deltas: pd.DataFrame
    xtreme: pd.DataFrame
    family: pd.DataFrame
    excluded: pd.DataFrame
    skipped: pd.DataFrame
    fits: dict[tuple[str, str, str, str], regression.SlopeFit] = field(default_factory=dict)
    cluster: str = "language"  # a description: "language", "family", or per task
    n_boot: int = 1000
    seed: int = 0
    cluster_by_task: dict[str, str] = field(default_factory=dict)


ClusterSpec = str | dict[str, str]


def cluster_unit(cluster: ClusterSpec, task: str) -> str:
    """The cluster unit of a task: one unit for all, or a per-task mapping (key "default" = the rest).

    A broad typological sample (hundreds of UDHR languages) is clustered by family because related
    languages are not independent; a few dozen XTREME-style languages are clustered by language.
    """
    if isinstance(cluster, str):
        return cluster
    return cluster.get(task, cluster.get("default", "language"))


def describe_clusters(cluster: ClusterSpec) -> str:
    if isinstance(cluster, str):
        return cluster
    default = cluster.get("default", "language")
    special = ", ".join(f"{unit} for {task}" for task, unit in sorted(cluster.items()) if task != "default")
    return f"{default}" + (f" ({special})" if special else "")


def analyze(
    frame: AnalysisFrame,
    distances: DistanceSet,
    info: pd.DataFrame,
    *,
    cluster: ClusterSpec = "language",
    n_boot: int = 1000,
    seed: int = 0,
) -> AnalysisResults:
    """Fit slopes, pooled interactions, bootstrap intervals and paired comparisons."""
    rows = attach_distances(frame.rows, distances)
    by_task = {str(task): cluster_unit(cluster, str(task)) for task in rows["target_task"].unique()}
    rows["cluster"] = ""
    for task, unit in by_task.items():
        selected = rows["target_task"] == task
        rows.loc[selected, "cluster"] = cluster_labels(rows.loc[selected, "language"], info, unit)
    skipped: list[dict] = []
    fits: dict[tuple[str, str, str, str], regression.SlopeFit] = {}
    settings = _Settings(cluster, n_boot, seed)
    slopes = _slopes(rows, distances, frame.reference, settings, skipped, fits)
    mitigation = _mitigation(rows, distances, settings, skipped)
    paired = comparisons.paired_comparisons(rows)
    family = comparisons.family_breakdown(rows, info) if has_families(info) else pd.DataFrame()
    excluded = pd.concat([frame.excluded, _distance_exclusions(rows, distances)], ignore_index=True)
    return AnalysisResults(
        frame=frame, distances=distances, info=info, rows=rows, slopes=slopes, mitigation=mitigation,
        paired=paired, deltas=tables.delta_matrix(paired), xtreme=tables.xtreme_average(rows), family=family,
        excluded=excluded, skipped=pd.DataFrame(skipped, columns=SKIP_COLUMNS), fits=fits,
        cluster=describe_clusters(cluster), n_boot=n_boot, seed=seed, cluster_by_task=by_task,
    )  # fmt: skip


@dataclass(frozen=True)
class _Settings:
    cluster: ClusterSpec
    n_boot: int
    seed: int

    def unit(self, task: str) -> str:
        return cluster_unit(self.cluster, task)


def _rng(seed: int, *key: str) -> np.random.Generator:
    """A generator per estimate, so that adding a condition never changes another one's interval."""
    return np.random.default_rng([seed, zlib.crc32("|".join(key).encode())])


def _observations(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    usable = rows[rows["dependent"].notna() & rows[column].notna()]
    return usable.assign(distance=usable[column], x=usable[column], y=usable["dependent"])


def _distance_targets(condition_rows: pd.DataFrame, reference: str) -> list[tuple[str, str]]:
    """(label, column prefix) pairs: always the reference; the nearest source when it differs."""
    targets = [(reference, "d_")]
    sources = {s for text in condition_rows["sources"].unique() for s in str(text).split(",") if s.strip()}
    if sources and sources != {reference}:
        targets.append((f"nearest source ({','.join(sorted(sources))})", "dsrc_"))
    return targets


def _slopes(
    rows: pd.DataFrame,
    distances: DistanceSet,
    reference: str,
    settings: _Settings,
    skipped: list[dict],
    fits: dict,
) -> pd.DataFrame:
    records = []
    for (model, task, condition), group in rows.groupby(["model", "target_task", "condition"], sort=True):
        for kind in distances.kinds:
            for distance_to, prefix in _distance_targets(group, reference):
                data = _observations(group, f"{prefix}{kind}")
                why_not = regression.enough_data(data)
                if why_not:
                    skipped.append({"model": model, "target_task": task, "kind": kind,
                                    "distance_to": distance_to, "condition": condition, "reason": why_not})  # fmt: skip
                    continue
                fit = regression.fit_slope(data)
                sample = bootstrap.pack(data, bootstrap.layout(data))
                rng = _rng(settings.seed, model, task, condition, kind, prefix)
                draws = bootstrap.bootstrap_slopes(sample, settings.n_boot, rng)
                boot_low, boot_high = bootstrap.percentile_interval(draws)
                if prefix == "d_":
                    fits[(str(model), str(task), kind, str(condition))] = fit
                records.append(
                    {"model": model, "target_task": task, "dependent": group["dependent_name"].iloc[0],
                     "metric": group["metric"].iloc[0], "kind": kind, "distance_to": distance_to,
                     "condition": condition, "slope": fit.slope, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
                     "p_value": fit.p_value, "boot_low": boot_low, "boot_high": boot_high, "r2": fit.r2,
                     "n_languages": fit.n_languages, "n_obs": fit.n_obs, "cluster": settings.unit(str(task)),
                     "n_clusters": fit.n_clusters}
                )  # fmt: skip
    return pd.DataFrame(records, columns=SLOPE_COLUMNS)


def _mitigation(
    rows: pd.DataFrame, distances: DistanceSet, settings: _Settings, skipped: list[dict]
) -> pd.DataFrame:
    records = []
    for (model, task), group in rows.groupby(["model", "target_task"], sort=True):
        if BASELINE not in set(group["condition"]) or group["condition"].nunique() < 2:
            continue
        sign = 1.0 if bool(group["higher_is_better"].iloc[0]) else -1.0
        for kind in distances.kinds:
            data = _observations(group, f"d_{kind}")
            baseline = data[data["condition"] == BASELINE]
            data = data[data["language"].isin(set(baseline["language"]))]
            why_not = regression.enough_data(baseline)
            if why_not:
                skipped.append({"model": model, "target_task": task, "kind": kind, "distance_to": "pooled",
                                "condition": "(all)", "reason": why_not})  # fmt: skip
                continue
            interactions = regression.fit_pooled(data)
            for condition, interaction in interactions.items():
                why_not = regression.enough_data(data[data["condition"] == condition])
                if why_not:
                    skipped.append({"model": model, "target_task": task, "kind": kind, "distance_to": "pooled",
                                    "condition": condition, "reason": why_not})  # fmt: skip
                    continue
                records.append(_mitigation_record(data, baseline, interaction, sign, settings, kind))
    return pd.DataFrame(records, columns=MITIGATION_COLUMNS)


def _mitigation_record(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    interaction: regression.Interaction,
    sign: float,
    settings: _Settings,
    kind: str,
) -> dict:
    condition = interaction.condition
    treated = data[data["condition"] == condition]
    common = sorted(set(treated["language"]) & set(baseline["language"]))
    treated = treated[treated["language"].isin(common)]
    paired_baseline = baseline[baseline["language"].isin(common)]
    model, task = str(data["model"].iloc[0]), str(data["target_task"].iloc[0])
    groups = bootstrap.layout(paired_baseline)
    draws = bootstrap.bootstrap_slope_difference(
        bootstrap.pack(treated, groups), bootstrap.pack(paired_baseline, groups), settings.n_boot,
        _rng(settings.seed, model, task, condition, kind, "mitigation"),
    )  # fmt: skip
    low, high = sorted(sign * np.asarray(bootstrap.percentile_interval(draws)))
    robust_low, robust_high = sorted((sign * interaction.ci_low, sign * interaction.ci_high))
    # The fully interacted pooled model reproduces each condition's own OLS slope, so the baseline
    # slope plus the interaction is the condition's slope on the same languages.
    slope_none = regression.fit_slope(baseline).slope
    return {
        "model": model, "target_task": task, "dependent": data["dependent_name"].iloc[0],
        "metric": data["metric"].iloc[0], "kind": kind, "condition": condition, "slope_none": slope_none,
        "slope_condition": slope_none + interaction.estimate, "mitigation": sign * interaction.estimate,
        "ci_low": low, "ci_high": high, "p_value": interaction.p_value, "robust_ci_low": robust_low,
        "robust_ci_high": robust_high, "n_languages": len(common), "cluster": settings.unit(task),
        "n_clusters": int(data["cluster"].nunique()),
        "verdict": verdict(sign * interaction.estimate, low, high, interaction.p_value),
    }  # fmt: skip


def verdict(estimate: float, low: float, high: float, p_value: float, alpha: float = 0.05) -> str:
    """Claim a difference only when the bootstrap CI excludes zero AND the clustered p is below alpha.

    Requiring both keeps the answer from overclaiming when the two kinds of inference disagree
    (few clusters, skewed resamples); that case is called "inconclusive", never a finding.
    """
    if not all(np.isfinite([estimate, low, high, p_value])):
        return "not estimable"
    ci_excludes_zero = low > 0 or high < 0
    significant = p_value < alpha
    if ci_excludes_zero and significant:
        return "flatter" if estimate > 0 else "steeper"
    if ci_excludes_zero or significant:
        return "inconclusive"
    return "no difference shown"


def _distance_exclusions(rows: pd.DataFrame, distances: DistanceSet) -> pd.DataFrame:
    """One line per (language, distance kind, target) that kept a language out of regressions."""
    evaluated = set(rows["language"])
    records = []
    for missing in distances.missing.itertuples(index=False):
        if missing.language not in evaluated:
            continue
        records.append(
            {"language": missing.language, "model": "(all)", "condition": _conditions_using(rows, missing.to,
             distances.reference), "target_task": "(all)",
             "analysis": f"{missing.kind} distance to {missing.to}", "reason": missing.reason}
        )  # fmt: skip
    return pd.DataFrame(records, columns=EXCLUSION_COLUMNS)


def _conditions_using(rows: pd.DataFrame, target: str, reference: str) -> str:
    if target == reference:
        return "(all)"
    using = sorted(
        {c for c, s in zip(rows["condition"], rows["sources"], strict=True) if target in s.split(",")}
    )
    return ", ".join(using)
