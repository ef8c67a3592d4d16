"""Run every estimate the report needs and collect it in :class:`AnalysisResults`.

This module only decides *which* subsets are fitted (per model, task, distance kind and condition)
and records why a subset is skipped; the estimators live in :mod:`~xstilts.analysis.inference`
(run-level intervals for the crossed runs x languages design), :mod:`~xstilts.analysis.paired`
(the paired change model on distance to the source), :mod:`~xstilts.analysis.regression`
(cluster-robust OLS, kept as a cross-check), :mod:`~xstilts.analysis.mixed` (MixedLM cross-check of
the primary contrast) and :mod:`~xstilts.analysis.comparisons`; the verdicts in
:mod:`~xstilts.analysis.verdicts`.

Every slope and slope change is per 0.1 of distance. Mitigation is signed so that a positive value
always means "the condition loses less per 0.1 of distance than no intermediate training":
``slope(condition) - slope(none)`` for metrics where higher is better, its negative where lower is
better; level changes (``better``) are signed the same way.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from xstilts.analysis import comparisons, covariates, mixed, outcome, paired, regression, tables, verdicts
from xstilts.analysis.distances import DistanceSet, attach_distances
from xstilts.analysis.frame import BASELINE, EXCLUSION_COLUMNS, AnalysisFrame
from xstilts.analysis.inference import Contrast, Estimate, estimate
from xstilts.analysis.metadata import cluster_labels, has_families
from xstilts.analysis.paired import STEP, TaskPanels, sources_of

SLOPE_COLUMNS = [
    "model", "target_task", "dependent", "metric", "kind", "distance_to", "condition", "slope", "ci_low",
    "ci_high", "p_value", "interval", "n_runs", "ols_low", "ols_high", "ols_p", "r2", "n_languages", "n_obs",
    "cluster", "n_clusters",
]  # fmt: skip
MITIGATION_COLUMNS = [
    "model", "target_task", "dependent", "metric", "kind", "condition", "slope_none", "slope_condition",
    "mitigation", "se", "df", "ci_low", "ci_high", "p_value", "interval", "n_runs", "level_change",
    "level_low", "level_high", "near_delta", "distant_delta", "distant_low", "distant_high", "ols_p",
    "n_languages", "cluster", "n_clusters",
]  # fmt: skip
CONTRAST_COLUMNS = [
    "role", "model", "target_task", "kind", "estimand", "condition", "estimate", "ci_low", "ci_high", "interval",
    "p_value", "p_adjusted", "tost_p", "tost_p_adjusted", "level_change", "distant_delta", "distant_low",
    "distant_high", "verdict", "n_languages", "n_runs", "se", "df", "run_level",
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
    source_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    in_language: pd.DataFrame = field(default_factory=pd.DataFrame)
    contrasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: AnswerSettings = field(default_factory=lambda: AnswerSettings())
    associations: pd.DataFrame = field(default_factory=pd.DataFrame)  # covariate coefficients
    cross_check: dict | None = None  # the primary contrast by MixedLM (:mod:`.mixed`)


@dataclass(frozen=True)
class AnswerSettings:
    """The study design the verdicts follow (the experiment's ``report:`` section)."""

    dependent: str = "raw"
    chance: dict[str, float] = field(default_factory=dict)
    primary: dict | None = None  # {task, kind, estimand, condition}
    primary_declared: bool = False
    sesoi: float = 1.0  # smallest effect of interest per 0.1 of distance, dependent's units
    correction: str = "holm"
    covariates: tuple[str, ...] = ()  # optional terms of the paired change model (script, fertility)
    fertility: pd.DataFrame | None = None  # target_task, language, fertility

    def primary_key(self) -> tuple | None:
        if not self.primary:
            return None
        p = self.primary
        return (p["task"], p["kind"], p["estimand"], p.get("condition") or "")


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
    answer: AnswerSettings | None = None,
) -> AnalysisResults:
    """Fit slopes, the paired change model, run-level intervals, verdicts and paired comparisons."""
    answer = answer or AnswerSettings()
    rows = attach_distances(frame.rows, distances)
    by_task = {str(task): cluster_unit(cluster, str(task)) for task in rows["target_task"].unique()}
    rows["cluster"] = ""
    for task, unit in by_task.items():
        selected = rows["target_task"] == task
        rows.loc[selected, "cluster"] = cluster_labels(rows.loc[selected, "language"], info, unit)
    rows = outcome.apply(rows, answer.dependent, answer.chance)
    rows = covariates.attach(rows, info, answer.fertility)
    skipped: list[dict] = []
    fits: dict[tuple[str, str, str, str], regression.SlopeFit] = {}
    settings = _Settings(cluster, n_boot, seed)
    slopes = _slopes(rows, distances, frame.reference, settings, skipped, fits)
    mitigation = _mitigation(rows, distances, frame.reference, settings, skipped)
    effects, associations, in_language = _source_effects(rows, distances, frame.reference, settings, answer)
    answer = _with_primary(answer, mitigation, effects, distances.main_kinds())
    judged_kinds = distances.main_kinds() + [k for k in [answer.primary_key() and answer.primary_key()[1]]
                                             if k and k not in distances.main_kinds()]  # fmt: skip
    contrasts = _contrasts(mitigation, effects, judged_kinds, answer)
    checked = _cross_check(rows, answer, frame.reference)
    paired = comparisons.paired_comparisons(rows)
    family = comparisons.family_breakdown(rows, info) if has_families(info) else pd.DataFrame()
    excluded = pd.concat([frame.excluded, _distance_exclusions(rows, distances)], ignore_index=True)
    return AnalysisResults(
        frame=frame, distances=distances, info=info, rows=rows, slopes=slopes, mitigation=mitigation,
        paired=paired, deltas=tables.delta_matrix(paired), xtreme=tables.xtreme_average(rows, frame.selection.qa_partners), family=family,
        excluded=excluded, skipped=pd.DataFrame(skipped, columns=SKIP_COLUMNS), fits=fits,
        cluster=describe_clusters(cluster), n_boot=n_boot, seed=seed, cluster_by_task=by_task,
        source_effects=effects, in_language=in_language, contrasts=contrasts, settings=answer,
        associations=associations, cross_check=checked,
    )  # fmt: skip


@dataclass(frozen=True)
class _Settings:
    cluster: ClusterSpec
    n_boot: int
    seed: int

    def unit(self, task: str) -> str:
        return cluster_unit(self.cluster, task)

    def rng(self, *key: str) -> np.random.Generator:
        return _rng(self.seed, *key)


def _rng(seed: int, *key: str) -> np.random.Generator:
    """A generator per estimate, so that adding a condition never changes another one's interval."""
    return np.random.default_rng([seed, zlib.crc32("|".join(map(str, key)).encode())])


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


def _slope_contrast(panels: TaskPanels, condition: str, column: str, sources: list[str]) -> Contrast:
    """``dependent ~ 1 + distance`` on one condition's run means (its own sources left out)."""
    distance = panels.column(column, condition)
    keep = np.array(
        [np.isfinite(d) and lang not in sources for d, lang in zip(distance, panels.languages, strict=True)]
    )
    index = np.flatnonzero(keep)
    design = np.column_stack([np.ones(index.size), distance[index]])
    return Contrast(panels.panels, (condition,) * index.size, (None,) * index.size, index, design)


def _slopes(
    rows: pd.DataFrame,
    distances: DistanceSet,
    reference: str,
    settings: _Settings,
    skipped: list[dict],
    fits: dict,
) -> pd.DataFrame:
    """Per condition the level slope of the dependent on distance (per 0.1), run-level interval."""
    records = []
    for (model, task), task_rows in rows.groupby(["model", "target_task"], sort=True):
        panels = TaskPanels(task_rows[task_rows["dependent"].notna()], reference, "dependent")
        for condition, group in task_rows.groupby("condition", sort=True):
            for kind in distances.kinds:
                for distance_to, prefix in _distance_targets(group, reference):
                    data = _observations(group, f"{prefix}{kind}")
                    sources = sources_of(group["sources"].iloc[0]) if prefix == "dsrc_" else []
                    data = data[~data["language"].isin(sources)]
                    why_not = regression.enough_data(data)
                    if why_not:
                        skipped.append({"model": model, "target_task": task, "kind": kind,
                                        "distance_to": distance_to, "condition": condition, "reason": why_not})  # fmt: skip
                        continue
                    fit = regression.fit_slope(data)
                    contrast = _slope_contrast(panels, str(condition), f"{prefix}{kind}", sources)
                    run = estimate(contrast, panels.clusters, settings.n_boot,
                                   settings.rng(model, task, condition, kind, prefix), scale=STEP)  # fmt: skip
                    if prefix == "d_":
                        fits[(str(model), str(task), kind, str(condition))] = fit
                    records.append(
                        {"model": model, "target_task": task, "dependent": group["dependent_name"].iloc[0],
                         "metric": group["metric"].iloc[0], "kind": kind, "distance_to": distance_to,
                         "condition": condition, "slope": run.value, "ci_low": run.low, "ci_high": run.high,
                         "p_value": run.p_value, "interval": run.interval, "n_runs": run.n_runs,
                         "ols_low": fit.ci_low * STEP, "ols_high": fit.ci_high * STEP, "ols_p": fit.p_value,
                         "r2": fit.r2, "n_languages": fit.n_languages, "n_obs": fit.n_obs,
                         "cluster": settings.unit(str(task)), "n_clusters": fit.n_clusters}
                    )  # fmt: skip
    return pd.DataFrame(records, columns=SLOPE_COLUMNS)


def _mitigation(
    rows: pd.DataFrame, distances: DistanceSet, reference: str, settings: _Settings, skipped: list[dict]
) -> pd.DataFrame:
    records = []
    for (model, task), group in rows.groupby(["model", "target_task"], sort=True):
        if BASELINE not in set(group["condition"]) or group["condition"].nunique() < 2:
            continue
        gaps = TaskPanels(group[group["dependent"].notna()], reference, "dependent_better")
        levels = TaskPanels(group, reference, "better")
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
            slopes_none: dict[tuple[str, ...], float] = {}
            for condition, interaction in interactions.items():
                why_not = regression.enough_data(data[data["condition"] == condition])
                if why_not:
                    skipped.append({"model": model, "target_task": task, "kind": kind, "distance_to": "pooled",
                                    "condition": condition, "reason": why_not})  # fmt: skip
                    continue
                records.append(
                    _mitigation_record(data, gaps, levels, interaction, settings, kind, slopes_none)
                )
    return pd.DataFrame(records, columns=MITIGATION_COLUMNS)


def _paired_contrast(
    panels: TaskPanels, condition: str, languages: list[str], with_distance: str | None
) -> Contrast:
    index = np.array([panels.index[lang] for lang in languages if lang in panels.index], dtype=int)
    columns = [np.ones(index.size)]
    if with_distance is not None:
        columns.append(panels.column(with_distance)[index])
    n = index.size
    return Contrast(panels.panels, (condition,) * n, (BASELINE,) * n, index, np.column_stack(columns))


def _mitigation_record(
    data: pd.DataFrame, gaps: TaskPanels, levels: TaskPanels, interaction: regression.Interaction,
    settings: _Settings, kind: str, slopes_none: dict[tuple[str, ...], float],
) -> dict:  # fmt: skip
    """Slope change (signed: positive = flatter) and the level changes beside it, near and far."""
    condition = interaction.condition
    model, task = str(data["model"].iloc[0]), str(data["target_task"].iloc[0])
    treated = data[data["condition"] == condition]
    baseline = data[data["condition"] == BASELINE]
    common = sorted(set(treated["language"]) & set(baseline["language"]))
    rng = settings.rng(model, task, condition, kind, "mitigation")
    change = estimate(_paired_contrast(gaps, condition, common, f"d_{kind}"), gaps.clusters, settings.n_boot, rng,
                      scale=STEP)  # fmt: skip
    distance = baseline.groupby("language")["distance"].first().reindex(common)
    near_cut, far_cut = np.quantile(distance, [1 / 3, 2 / 3])
    far = [lang for lang in common if distance[lang] >= far_cut]
    near = [lang for lang in common if distance[lang] <= near_cut]

    def level(languages: list[str]) -> Estimate:
        contrast = _paired_contrast(levels, condition, languages, None)
        return estimate(contrast, levels.clusters, settings.n_boot, rng, column=0)

    overall, distant, close = level(common), level(far), level(near)
    sign = 1.0 if bool(data["higher_is_better"].iloc[0]) else -1.0
    if tuple(common) not in slopes_none:  # one fit per paired language set, not one per condition
        slopes_none[tuple(common)] = (
            regression.fit_slope(baseline[baseline["language"].isin(common)]).slope * STEP
        )
    slope_none = slopes_none[tuple(common)]
    return {
        "model": model, "target_task": task, "dependent": data["dependent_name"].iloc[0],
        "metric": data["metric"].iloc[0], "kind": kind, "condition": condition, "slope_none": slope_none,
        "slope_condition": slope_none + sign * change.value, "mitigation": change.value, "se": change.se,
        "df": change.df, "ci_low": change.low, "ci_high": change.high, "p_value": change.p_value,
        "interval": change.interval, "n_runs": change.n_runs, "level_change": overall.value,
        "level_low": overall.low, "level_high": overall.high, "near_delta": close.value,
        "distant_delta": distant.value, "distant_low": distant.low, "distant_high": distant.high,
        "ols_p": interaction.p_value, "n_languages": len(common), "cluster": settings.unit(task),
        "n_clusters": int(data["cluster"].nunique()),
    }  # fmt: skip


def _source_effects(
    rows: pd.DataFrame, distances: DistanceSet, reference: str, settings: _Settings, answer: AnswerSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The paired change model per task (see :mod:`.paired`), its covariates, the in-language effects."""
    effects, associations, in_language = [], [], []
    for (model, task), group in rows.groupby(["model", "target_task"], sort=True):
        panels = TaskPanels(group, reference, "better")
        key = (str(model), str(task))
        found, associated = paired.source_effects(panels, distances.kinds, reference, key, settings.n_boot,
                                                  settings.rng, answer.covariates)  # fmt: skip
        effects += found
        associations += associated
        in_language += paired.in_language_effects(panels, reference, key, settings.rng)
    return (pd.DataFrame(effects, columns=paired.SOURCE_COLUMNS),
            pd.DataFrame(associations, columns=paired.ASSOCIATION_COLUMNS),
            pd.DataFrame(in_language, columns=paired.IN_LANGUAGE_COLUMNS))  # fmt: skip


def _with_primary(
    answer: AnswerSettings, mitigation: pd.DataFrame, effects: pd.DataFrame, kinds: list[str]
) -> AnswerSettings:
    """The declared primary contrast (its condition resolved), or a labelled default.

    A declared source-distance primary names no condition: it is the pooled model of its task
    and kind (the only source condition's model when there is one). Undeclared, the default is
    the first task's pooled source-distance estimate on the first main kind (else the first
    mitigation estimate); the report says it was not declared, so it is visibly not
    pre-registered rather than silently chosen.
    """
    nearest = effects[effects["source_distance"] == "nearest"]
    if answer.primary:
        primary = dict(answer.primary)
        if primary["estimand"] == "source-distance" and not primary.get("condition"):
            primary["condition"] = _pooled_label(nearest, primary["task"], primary["kind"])
        return replace(answer, primary=primary, primary_declared=True)
    candidates = nearest[nearest["kind"].isin(kinds)]
    if not candidates.empty:
        task = sorted(candidates["target_task"])[0]
        kind = next(k for k in kinds if k in set(candidates.loc[candidates["target_task"] == task, "kind"]))
        primary = {"task": task, "kind": kind, "estimand": "source-distance",
                   "condition": _pooled_label(nearest, task, kind)}  # fmt: skip
    elif not mitigation[mitigation["kind"].isin(kinds)].empty:
        first = mitigation[mitigation["kind"].isin(kinds)].iloc[0]
        primary = {"task": first.target_task, "kind": first.kind, "estimand": "mitigation",
                   "condition": first.condition}  # fmt: skip
    else:
        return answer
    return replace(answer, primary=primary, primary_declared=False)


def _cross_check(rows: pd.DataFrame, answer: AnswerSettings, reference: str) -> dict | None:
    """The primary contrast by a mixed model with crossed language and run effects, when it can be fitted."""
    if not answer.primary:
        return None
    task_rows = rows[rows["target_task"] == answer.primary["task"]]
    conditions = list(paired.source_conditions(task_rows, reference))
    label = answer.primary.get("condition") or ""
    if answer.primary["estimand"] == "source-distance" and not label.startswith("pooled"):
        conditions = [c for c in conditions if c == label]
    return mixed.cross_check(task_rows, answer.primary, reference, conditions)


def _pooled_label(nearest: pd.DataFrame, task: str, kind: str) -> str:
    rows = nearest[(nearest["target_task"] == task) & (nearest["kind"] == kind)]
    labels = sorted(rows["condition"])
    pooled = [label for label in labels if label.startswith("pooled")]
    return (pooled or labels or [""])[0]


def _contrasts(
    mitigation: pd.DataFrame, effects: pd.DataFrame, kinds: list[str], answer: AnswerSettings
) -> pd.DataFrame:
    """Every contrast on the main distance kinds in one table, judged (:mod:`.verdicts`)."""
    records = []
    for row in mitigation[mitigation["kind"].isin(kinds)].itertuples(index=False):
        records.append({"model": row.model, "target_task": row.target_task, "kind": row.kind,
                        "estimand": "mitigation", "condition": row.condition, "estimate": row.mitigation,
                        "ci_low": row.ci_low, "ci_high": row.ci_high, "interval": row.interval,
                        "p_value": row.p_value, "level_change": row.level_change,
                        "distant_delta": row.distant_delta, "distant_low": row.distant_low,
                        "distant_high": row.distant_high, "n_languages": row.n_languages, "n_runs": row.n_runs,
                        "se": row.se, "df": row.df, "run_level": row.interval == "runs+languages"})  # fmt: skip
    nearest = effects[(effects["source_distance"] == "nearest") & effects["kind"].isin(kinds)]
    for row in nearest.itertuples(index=False):
        records.append({"model": row.model, "target_task": row.target_task, "kind": row.kind,
                        "estimand": "source-distance", "condition": row.condition, "estimate": row.estimate,
                        "ci_low": row.ci_low, "ci_high": row.ci_high, "interval": row.interval,
                        "p_value": row.p_value, "level_change": np.nan, "distant_delta": np.nan,
                        "distant_low": np.nan, "distant_high": np.nan, "n_languages": row.n_languages,
                        "n_runs": row.n_runs, "se": row.se, "df": row.df,
                        "run_level": row.interval == "runs+languages"})  # fmt: skip
    if not records:
        return pd.DataFrame(columns=CONTRAST_COLUMNS)
    judged = verdicts.judge(pd.DataFrame(records), answer.primary_key(), answer.sesoi, answer.correction)
    return judged[CONTRAST_COLUMNS]


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
