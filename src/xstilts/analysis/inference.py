"""Run-level inference for a crossed design: runs (seeds) x languages.

Why: one trained model (one seed) is evaluated in every language, so seeds are *crossed* with
languages, not nested in them. A run that happens to tilt every language's score at once is one
draw of run-level noise shared by all languages. Drawing a seed independently per language (the
scheme of :mod:`.bootstrap`) averages that shared tilt away and makes intervals too narrow.

Here a coefficient of a small least-squares model on per-language run means gets a variance with
three parts (Owen 2007's crossed random effects, as a "pigeonhole" decomposition):

- the **run part**: the model is refitted on each run alone (all its languages at once, i.e.
  resampling runs jointly), and the spread of those per-run coefficients over runs, / S;
- the **language part**: the variance over language-cluster bootstrap resamples (languages, or
  families for a broad UDHR sample) with the runs fixed;
- minus the **language x run noise** both of them contain, estimated from the double-centred
  panel, so that it is counted once.

The interval is t with Satterthwaite degrees of freedom: with 5 seeds the run part has 4 df per
condition, and a normal interval would under-cover. Everything is a few matrix products.

With fewer than :data:`MIN_RUNS` runs in a condition the run part cannot be estimated (two seeds
give one degree of freedom); callers then report "run-level uncertainty unknown, no verdict".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MIN_RUNS = 3  # runs per condition below which run-level uncertainty is called unknown


@dataclass(frozen=True)
class RunPanel:
    """One condition's outcome per (language, run): NaN where a run did not score a language."""

    values: np.ndarray  # (L, S)
    seeds: tuple[int, ...]

    @property
    def n_runs(self) -> int:
        return len(self.seeds)

    def means(self) -> np.ndarray:
        """Per-language mean over the runs that scored it (NaN where none did)."""
        known = ~np.isnan(self.values)
        total = np.where(known, self.values, 0.0).sum(axis=1)
        count = known.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def panel(rows: pd.DataFrame, languages: list[str], value: str) -> RunPanel:
    """Pivot ``rows`` (columns language, seed, ``value``) to a (languages x seeds) panel, NaN-padded."""
    table = rows.pivot_table(index="language", columns="seed", values=value, aggfunc="mean")
    table = table.reindex(index=languages)
    return RunPanel(table.to_numpy(dtype=float), tuple(int(s) for s in table.columns))


def cluster_weights(clusters: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(B, L) multiplicities: each replicate draws as many clusters as there are, with replacement."""
    codes, index = np.unique(clusters, return_inverse=True)
    drawn = rng.integers(0, len(codes), size=(n_boot, len(codes)))
    counts = np.zeros((n_boot, len(codes)))
    np.add.at(counts, (np.arange(n_boot)[:, None], drawn), 1.0)
    return counts[:, index]


def weighted_ols(design: np.ndarray, outcome: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Batched weighted least squares: (L, p) design, (B, L) outcomes and weights -> (B, p).

    Rows with a NaN outcome get weight 0; a replicate whose weighted design is singular (e.g. it
    drew languages at a single distance) gives NaN coefficients rather than an arbitrary number.
    """
    weights = np.where(np.isnan(outcome), 0.0, weights)
    outcome = np.where(np.isnan(outcome), 0.0, outcome)
    gram = np.einsum("bl,lp,lq->bpq", weights, design, design)
    moment = np.einsum("bl,lp,bl->bp", weights, design, outcome)
    n_params = design.shape[1]
    scale = np.trace(gram, axis1=1, axis2=2)[:, None, None] / n_params + 1e-300
    singular = np.linalg.cond(gram / scale) > 1e10
    safe = np.where(singular[:, None, None], np.eye(n_params), gram)
    coefficients = np.linalg.solve(safe, moment[..., None])[..., 0]
    coefficients[singular] = np.nan
    return coefficients


@dataclass(frozen=True)
class Contrast:
    """A least-squares model on paired differences of run means, one row per observation.

    Observation ``o`` is ``mean(panels[treated[o]])[language[o]]`` minus the same for
    ``baseline[o]`` (None: nothing subtracted), with design row ``design[o]``. Panels share one
    language order, so one language's observations (in several conditions) move together when
    languages are resampled, and one run's scores move together in every observation.
    """

    panels: dict[str, RunPanel]
    treated: tuple[str, ...]
    baseline: tuple[str | None, ...]
    language: np.ndarray  # (n_obs,) index into the shared language order
    design: np.ndarray  # (n_obs, p)

    @classmethod
    def paired(cls, treated: RunPanel, baseline: RunPanel | None, design: np.ndarray) -> Contrast:
        """One observation per language: treated minus baseline (or treated alone)."""
        panels = {"treated": treated, **({"baseline": baseline} if baseline is not None else {})}
        n = treated.values.shape[0]
        base = ("baseline" if baseline is not None else None,) * n
        return cls(panels, ("treated",) * n, base, np.arange(n), np.asarray(design, dtype=float))

    def outcome(self) -> np.ndarray:
        means = {name: panel.means() for name, panel in self.panels.items()}
        pairs = zip(self.treated, self.baseline, self.language, strict=True)
        return np.array([means[t][i] - (means[b][i] if b is not None else 0.0) for t, b, i in pairs])

    def usable(self) -> Contrast:
        """The observations whose outcome is known (a NaN mean would poison the linear weights)."""
        keep = np.isfinite(self.outcome()) & np.isfinite(self.design).all(axis=1)
        return Contrast(
            self.panels, tuple(np.array(self.treated, dtype=object)[keep]),
            tuple(np.array(self.baseline, dtype=object)[keep]), self.language[keep], self.design[keep],
        )  # fmt: skip

    def loadings(self, column: int) -> dict[str, np.ndarray]:
        """Per panel, the weight of each language's run mean in coefficient ``column``.

        OLS is linear in the outcome: coefficient = sum over panels and languages of
        loading x run mean. That turns the run part into the variance of one number per run.
        """
        weights = np.linalg.pinv(self.design)[column]
        out = {name: np.zeros(panel.values.shape[0]) for name, panel in self.panels.items()}
        for weight, treated, baseline, index in zip(
            weights, self.treated, self.baseline, self.language, strict=True
        ):
            out[treated][index] += weight
            if baseline is not None:
                out[baseline][index] -= weight
        return out

    def conditions(self) -> list[str]:
        return sorted({*self.treated, *(c for c in self.baseline if c is not None)})


def point_estimate(contrast: Contrast) -> np.ndarray:
    """The coefficients on the full data: every observation once, every run once."""
    outcome = contrast.outcome()
    return weighted_ols(contrast.design, outcome[None, :], np.ones((1, len(outcome))))[0]


def language_draws(
    contrast: Contrast, clusters: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """(B, p) replicates with the runs fixed and language clusters resampled: the language part."""
    weights = cluster_weights(clusters, n_boot, rng)[:, contrast.language]
    outcome = contrast.outcome()
    return weighted_ols(contrast.design, np.broadcast_to(outcome, weights.shape), weights)


def _run_part(panel: RunPanel, loading: np.ndarray) -> tuple[float, int]:
    """Variance over runs of the panel's contribution (one number per run), / S, and its df.

    A run that lacks a language contributes that language's mean over the other runs, so a
    missing score adds no spread of its own.
    """
    used = loading != 0
    if panel.n_runs < 2 or not used.any():
        return 0.0, 0
    values = panel.values[used]
    filled = np.where(np.isnan(values), panel.means()[used][:, None], values)
    per_run = loading[used] @ filled
    return float(np.var(per_run, ddof=1) / panel.n_runs), panel.n_runs - 1


def _interaction_part(panel: RunPanel, loading: np.ndarray) -> float:
    """The language x run noise's share of the variance, which both other parts contain.

    Estimated from the double-centred panel (languages scored by every run); subtracting it once
    keeps the sum of the run part and the language part from counting it twice.
    """
    values = panel.values[(loading != 0) & ~np.isnan(panel.values).any(axis=1)]
    n_languages, n_runs = values.shape
    if n_runs < 2 or n_languages < 3:
        return 0.0
    centred = values - values.mean(axis=1, keepdims=True) - values.mean(axis=0, keepdims=True) + values.mean()
    sigma2 = float((centred**2).sum() / ((n_languages - 1) * (n_runs - 1)))
    return sigma2 / n_runs * float(np.sum(loading**2))


@dataclass(frozen=True)
class Estimate:
    """One coefficient with its interval; ``interval`` names which uncertainty it includes."""

    value: float
    se: float
    df: float
    low: float
    high: float
    p_value: float
    interval: str  # "runs+languages", "languages only" (too few runs) or "runs only" (one language)
    n_runs: int  # fewest runs of the conditions involved
    n_clusters: int

    @property
    def run_level(self) -> bool:
        """True when run-level uncertainty entered the interval (enough runs in every condition)."""
        return self.interval in (RUN_LEVEL, RUNS_ONLY) and bool(np.isfinite(self.se))

    def equivalence_p(self, margin: float) -> float:
        """TOST p against +-``margin`` (:func:`xstilts.analysis.verdicts.tost_p`)."""
        from xstilts.analysis.verdicts import tost_p

        return tost_p(self.value, self.se, self.df, margin)


RUN_LEVEL, LANGUAGES_ONLY, RUNS_ONLY = (
    "runs+languages",
    "languages only",
    "runs only",
)  # RUNS_ONLY: one language


def _nan_estimate(value: float, n_runs: int, n_clusters: int) -> Estimate:
    nan = float("nan")
    return Estimate(value, nan, nan, nan, nan, nan, LANGUAGES_ONLY, n_runs, n_clusters)


def estimate(
    contrast: Contrast,
    clusters: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    *,
    column: int = 1,
    level: float = 0.95,
    scale: float = 1.0,
) -> Estimate:
    """Coefficient ``column`` (times ``scale``, e.g. 0.1 for "per 0.1 of distance") with its interval.

    Variance = run part + language part - the language x run part they share (module docstring).
    The interval is t with Satterthwaite degrees of freedom from the runs (S - 1 per condition)
    and the clusters (G - 1). Below :data:`MIN_RUNS` runs in any condition involved the run part
    is unknown: the interval is then the language part alone, labelled "languages only".
    ``clusters`` labels the shared language order.
    """
    contrast = contrast.usable()
    used = contrast.conditions()
    n_runs = min((contrast.panels[name].n_runs for name in used), default=0)
    n_clusters = len(np.unique(np.asarray(clusters)[np.unique(contrast.language)])) if used else 0
    if contrast.design.shape[0] < contrast.design.shape[1] or not used:
        return _nan_estimate(float("nan"), n_runs, n_clusters)
    value = float(point_estimate(contrast)[column])
    language_var, language_df = 0.0, 0
    if n_clusters >= 2:
        draws = language_draws(contrast, np.asarray(clusters), n_boot, rng)[:, column]
        finite = draws[np.isfinite(draws)]
        if finite.size < 0.9 * n_boot:
            return _nan_estimate(value * scale, n_runs, n_clusters)
        language_var, language_df = float(np.var(finite, ddof=1)), n_clusters - 1
    if n_runs < MIN_RUNS:
        if not language_df:
            return _nan_estimate(value * scale, n_runs, n_clusters)
        return _finish(value, language_var, language_df, level, LANGUAGES_ONLY, (n_runs, n_clusters), scale)
    loadings = contrast.loadings(column)
    parts = [_run_part(contrast.panels[name], loadings[name]) for name in used]
    shared = sum(_interaction_part(contrast.panels[name], loadings[name]) for name in used)
    run_var = sum(var for var, _ in parts)
    total = max(run_var + language_var - shared, run_var, language_var)
    denominator = sum(var**2 / df for var, df in parts if df > 0)
    denominator += language_var**2 / language_df if language_df else 0.0
    df = total**2 / denominator if denominator > 0 else float(max(language_df, 1))
    kind = RUN_LEVEL if language_df else RUNS_ONLY
    return _finish(value, total, df, level, kind, (n_runs, n_clusters), scale)


def _finish(
    value: float, variance: float, df: float, level: float, kind: str, counts: tuple[int, int], scale: float
) -> Estimate:
    """Scale to the reported unit; t interval and two-sided p."""
    value, se = value * scale, float(np.sqrt(variance)) * abs(scale)
    if not (np.isfinite(se) and df > 0):
        return _nan_estimate(value, *counts)
    half = stats.t.ppf(0.5 + level / 2.0, df) * se
    p_value = float(2 * stats.t.sf(abs(value) / se, df)) if se > 0 else (0.0 if value else 1.0)
    return Estimate(value, se, float(df), value - half, value + half, p_value, kind, *counts)
