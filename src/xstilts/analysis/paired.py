"""The paired change model: does being close to the intermediate task's source language help?

For language L, condition c and run: ``delta = better_c(L) - better_none(L)`` on the same items
(``better``: the score on the report's scale, signed so that positive = improvement). Per
condition with a non-reference source::

    delta ~ 1 + d(L, en) + d(L, src_c)

and pooled over those conditions with one intercept per condition (common slopes). The
coefficient on ``d(L, src)`` is the headline for non-English sources: negative means languages
closer to the source gain more. Levels cannot separate the two distances (they are collinear,
e.g. r = -0.57 between syntactic distance to ja and to en over the demo's languages); the
paired change removes everything a language shares across conditions, and the regression
holds ``d(L, en)`` fixed while ``d(L, src)`` varies.

The condition's own source languages are left out of its set (distance 0, high leverage, and not
zero-shot) and reported on their own as the in-language effect; the reference language is not a
zero-shot language either. Multi-source conditions use the minimum distance to any source, and
the mean as a sensitivity analysis. Intervals come from :mod:`.inference` (runs and languages).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from xstilts.analysis.covariates import COLUMN
from xstilts.analysis.frame import BASELINE
from xstilts.analysis.inference import Contrast, Estimate, RunPanel, estimate, panel

STEP = 0.1  # every slope is reported per 0.1 of distance
SOURCE_COLUMNS = [
    "model", "target_task", "kind", "condition", "source_distance", "estimate", "se", "ci_low", "ci_high",
    "p_value", "df", "interval", "d_en_estimate", "corr_en_src", "n_languages", "n_runs", "n_clusters",
]  # fmt: skip
ASSOCIATION_COLUMNS = [
    "model", "target_task", "kind", "condition", "source_distance", "covariate", "estimate", "ci_low", "ci_high",
    "p_value", "interval",
]  # fmt: skip
IN_LANGUAGE_COLUMNS = [
    "model", "target_task", "condition", "language", "delta", "ci_low", "ci_high", "p_value", "interval", "n_runs",
]  # fmt: skip


def sources_of(text: str) -> list[str]:
    return [code.strip() for code in str(text).split(",") if code.strip()]


def source_conditions(rows: pd.DataFrame, reference: str) -> dict[str, list[str]]:
    """Conditions with at least one source other than the reference, and their sources."""
    out = {}
    for condition, group in rows.groupby("condition", sort=True):
        sources = sources_of(group["sources"].iloc[0])
        if condition != BASELINE and set(sources) - {reference}:
            out[str(condition)] = sources
    return out


class TaskPanels:
    """One (model, task): the zero-shot languages, their clusters and a run panel per condition."""

    def __init__(self, rows: pd.DataFrame, reference: str, value: str = "better") -> None:
        zero_shot = rows[rows["language"] != reference]
        self.rows = zero_shot
        self.languages = sorted(zero_shot["language"].unique())
        clusters = zero_shot.groupby("language")["cluster"].first()
        self.clusters = clusters.reindex(self.languages).to_numpy(dtype=object).astype(str)
        self.panels: dict[str, RunPanel] = {
            str(c): panel(group, self.languages, value)
            for c, group in zero_shot.groupby("condition", sort=True)
        }
        self.index = {language: i for i, language in enumerate(self.languages)}
        first = zero_shot.groupby("language").first()
        self._first = first.reindex(self.languages)

    def column(self, name: str, condition: str | None = None) -> np.ndarray:
        """A per-language distance column (``dsrc_*`` differ per condition: take that condition's)."""
        if condition is None:
            return self._first[name].to_numpy(dtype=float)
        rows = self.rows[self.rows["condition"] == condition].groupby("language")[name].first()
        return rows.reindex(self.languages).to_numpy(dtype=float)


def _observations(
    panels: TaskPanels, conditions: dict[str, list[str]], kind: str, combine: str, covariates: tuple[str, ...]
) -> tuple[list[str], list[int], np.ndarray]:
    """Per observation: condition, language index and (d_en, d_src, covariates...) values."""
    prefix = "dsrc_" if combine == "min" else "dsrcmean_"
    names, languages, values = [], [], []
    d_en = panels.column(f"d_{kind}")
    for condition, sources in conditions.items():
        columns = [d_en, panels.column(f"{prefix}{kind}", condition)]
        columns += [panels.column(COLUMN[name], condition) for name in covariates]
        stacked = np.column_stack(columns)
        for i, language in enumerate(panels.languages):
            if language in sources or not np.isfinite(stacked[i]).all():
                continue
            names.append(condition)
            languages.append(i)
            values.append(stacked[i])
    return names, languages, np.array(values).reshape(len(names), 2 + len(covariates))


def source_contrast(
    panels: TaskPanels,
    conditions: dict[str, list[str]],
    kind: str,
    combine: str = "min",
    covariates: tuple[str, ...] = (),
) -> tuple[Contrast, float]:
    """The Δ model's :class:`Contrast`: condition intercepts, d(L, en), d(L, src), covariates."""
    names, languages, values = _observations(panels, conditions, kind, combine, covariates)
    levels = sorted(set(names))
    intercepts = np.array([[1.0 if name == level else 0.0 for level in levels] for name in names])
    design = np.column_stack([intercepts.reshape(len(names), len(levels)), values])
    contrast = Contrast(
        panels.panels, tuple(names), (BASELINE,) * len(names), np.array(languages, dtype=int), design
    )
    to_en, to_src = values[:, 0], values[:, 1]
    varies = len(set(to_src)) > 1 and len(set(to_en)) > 1
    correlation = float(np.corrcoef(to_en, to_src)[0, 1]) if varies else np.nan
    return contrast, correlation


def _record(base: dict, fit: Estimate, d_en: Estimate, correlation: float, n_languages: int) -> dict:
    return {
        **base, "estimate": fit.value, "se": fit.se, "ci_low": fit.low, "ci_high": fit.high, "p_value": fit.p_value,
        "df": fit.df, "interval": fit.interval, "d_en_estimate": d_en.value, "corr_en_src": correlation,
        "n_languages": n_languages, "n_runs": fit.n_runs, "n_clusters": fit.n_clusters,
    }  # fmt: skip


def source_effects(
    panels: TaskPanels,
    kinds: list[str],
    reference: str,
    key: tuple[str, str],
    n_boot: int,
    rng_for: Callable[..., np.random.Generator],
    covariates: tuple[str, ...] = (),
) -> tuple[list[dict], list[dict]]:
    """Per kind: each source condition alone, the pooled model, and the mean-distance sensitivity.

    Returns the d(L, src) rows and, when covariates are in the model, one row per covariate
    coefficient (reported as associations).
    """
    if BASELINE not in panels.panels:
        return [], []
    conditions = source_conditions(panels.rows, reference)
    records, associations = [], []
    for kind in kinds:
        plans = [(name, {name: conditions[name]}, "min") for name in conditions]
        if len(conditions) > 1:
            plans.append((f"pooled ({', '.join(conditions)})", conditions, "min"))
        plans += [(name, {name: srcs}, "mean") for name, srcs in conditions.items() if len(srcs) > 1]
        for label, chosen, combine in plans:
            contrast, correlation = source_contrast(panels, chosen, kind, combine, covariates)
            source_column = len(set(contrast.treated)) + 1
            rng = rng_for(*key, kind, label, combine)

            base = {"model": key[0], "target_task": key[1], "kind": kind, "condition": label,
                    "source_distance": "nearest" if combine == "min" else "mean"}  # fmt: skip
            n_languages = len(set(contrast.language.tolist()))
            fits = [estimate(contrast, panels.clusters, n_boot, rng, column=c, scale=STEP)
                    for c in (source_column, source_column - 1)]  # fmt: skip
            records.append(_record(base, *fits, correlation, n_languages))
            for offset, name in enumerate(covariates if combine == "min" else ()):
                association = estimate(
                    contrast, panels.clusters, n_boot, rng, column=source_column + 1 + offset
                )
                associations.append({**base, "covariate": name, "estimate": association.value,
                                     "ci_low": association.low, "ci_high": association.high,
                                     "p_value": association.p_value, "interval": association.interval})  # fmt: skip
    return records, associations


def in_language_effects(
    panels: TaskPanels, reference: str, key: tuple[str, str], rng_for: Callable[..., np.random.Generator]
) -> list[dict]:
    """The source language's own change in its condition (runs only: one language)."""
    if BASELINE not in panels.panels:
        return []
    records = []
    for condition, sources in source_conditions(panels.rows, reference).items():
        for source in sources:
            if source not in panels.index or condition not in panels.panels:
                continue
            contrast = Contrast(panels.panels, (condition,), (BASELINE,), np.array([panels.index[source]]),
                                np.ones((1, 1)))  # fmt: skip
            fit = estimate(contrast, panels.clusters, 1, rng_for(*key, condition, source), column=0)
            records.append({"model": key[0], "target_task": key[1], "condition": condition, "language": source,
                            "delta": fit.value, "ci_low": fit.low, "ci_high": fit.high, "p_value": fit.p_value,
                            "interval": fit.interval, "n_runs": fit.n_runs})  # fmt: skip
    return records
