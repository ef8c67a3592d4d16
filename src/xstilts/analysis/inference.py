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


def point_estimate(treated: RunPanel, baseline: RunPanel | None, design: np.ndarray) -> np.ndarray:
    """The coefficients on the full data: every language once, every run once."""
    outcome = treated.means() - (baseline.means() if baseline is not None else 0.0)
    return weighted_ols(design, outcome[None, :], np.ones((1, len(outcome))))[0]


def bootstrap_coefficients(
    treated: RunPanel,
    baseline: RunPanel | None,
    design: np.ndarray,
    clusters: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(B, p) replicates with the runs fixed and language clusters resampled: the language part."""
    weights = cluster_weights(clusters, n_boot, rng)
    outcome = treated.means() - (baseline.means() if baseline is not None else 0.0)
    return weighted_ols(design, np.broadcast_to(outcome, weights.shape), weights)


def per_run_coefficients(sample: RunPanel, design: np.ndarray) -> np.ndarray:
    """(S, p): the model fitted on each run alone, over the languages that run scored."""
    outcome = sample.values.T  # (S, L)
    return weighted_ols(design, outcome, np.ones_like(outcome))


def _run_part(sample: RunPanel, design: np.ndarray) -> tuple[np.ndarray, int]:
    """Variance of the run-mean coefficients from the spread of per-run fits, and its df."""
    if sample.n_runs < 2:
        return np.full(design.shape[1], np.nan), 0
    per_run = per_run_coefficients(sample, design)
    return np.nanvar(per_run, axis=0, ddof=1) / sample.n_runs, sample.n_runs - 1


def _interaction_part(sample: RunPanel, design: np.ndarray) -> np.ndarray:
    """The language x run noise's share of the variance, which both other parts contain.

    Estimated from the double-centred panel (languages scored by every run); subtracting it once
    keeps the sum of the run part and the language part from counting it twice.
    """
    values = sample.values[~np.isnan(sample.values).any(axis=1)]
    n_languages, n_runs = values.shape
    if n_runs < 2 or n_languages < 3:
        return np.zeros(design.shape[1])
    residual = (
        values - values.mean(axis=1, keepdims=True) - values.mean(axis=0, keepdims=True) + values.mean()
    )
    sigma2 = float((residual**2).sum() / ((n_languages - 1) * (n_runs - 1)))
    known = ~np.isnan(sample.values).any(axis=1)
    gram = design[known].T @ design[known]
    return sigma2 / n_runs * np.diag(np.linalg.pinv(gram))


@dataclass(frozen=True)
class Estimate:
    """One coefficient with its interval: the kind of interval is named in ``interval``."""

    value: float
    se: float
    df: float
    low: float
    high: float
    p_value: float
    interval: str  # "runs+languages" or "languages only"
    n_runs: int  # fewest runs of the conditions involved
    n_clusters: int

    @property
    def run_level(self) -> bool:
        """True when run-level uncertainty entered the interval (enough runs in every condition)."""
        return self.interval == "runs+languages"

    def equivalence_p(self, margin: float) -> float:
        """TOST p against +-``margin``: the larger of the two one-sided t-test p-values."""
        if not (np.isfinite(self.se) and self.se > 0 and np.isfinite(margin) and margin > 0):
            return float("nan")
        lower = stats.t.sf((self.value + margin) / self.se, self.df)
        upper = stats.t.sf((margin - self.value) / self.se, self.df)
        return float(max(lower, upper))

    def interval_at(self, level: float) -> tuple[float, float]:
        if not (np.isfinite(self.se) and self.df > 0):
            return float("nan"), float("nan")
        half = stats.t.ppf(0.5 + level / 2.0, self.df) * self.se
        return self.value - half, self.value + half


def estimate(
    treated: RunPanel,
    baseline: RunPanel | None,
    design: np.ndarray,
    clusters: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    *,
    column: int = 1,
    level: float = 0.95,
) -> Estimate:
    """Coefficient ``column`` of the model on per-language run means, with a crossed-design interval.

    Variance = run part + language part - the language x run part they share, where
    the run part is the spread of per-run fits over runs (exactly the crossed-design term the
    old per-language seed draw averaged away), and the language part is the variance over
    ``n_boot`` language-cluster resamples with the runs fixed. The interval is t with
    Satterthwaite degrees of freedom from the runs (S - 1 per condition) and the clusters (G - 1),
    which matters when either is small (5 seeds). Below :data:`MIN_RUNS` runs in any condition
    the run part is unknown: the interval is then the language part alone, labelled so.
    """
    samples = [s for s in (treated, baseline) if s is not None]
    value = float(point_estimate(treated, baseline, design)[column])
    n_clusters = len(np.unique(clusters))
    language_draws = bootstrap_coefficients(treated, baseline, design, clusters, n_boot, rng)[:, column]
    finite = language_draws[np.isfinite(language_draws)]
    if finite.size < 0.9 * n_boot or n_clusters < 2:
        return Estimate(
            value, *[float("nan")] * 5, "languages only", min(s.n_runs for s in samples), n_clusters
        )
    language_var, language_df = float(np.var(finite, ddof=1)), n_clusters - 1
    n_runs = min(s.n_runs for s in samples)
    if n_runs < MIN_RUNS:
        se, df, kind = np.sqrt(language_var), float(language_df), "languages only"
    else:
        parts = [_run_part(s, design) for s in samples]
        run_vars = [float(var[column]) for var, _ in parts]
        run_var = sum(run_vars)
        shared = sum(float(_interaction_part(s, design)[column]) for s in samples)
        total = max(run_var + language_var - shared, run_var, language_var)
        denominator = sum(v**2 / d for v, (_, d) in zip(run_vars, parts, strict=True) if d > 0)
        denominator += language_var**2 / language_df
        se, kind = np.sqrt(total), "runs+languages"
        df = float(total**2 / denominator) if denominator > 0 else float(language_df)
    return _finish(value, float(se), df, level, kind, n_runs, n_clusters)


def _finish(
    value: float, se: float, df: float, level: float, kind: str, n_runs: int, n_clusters: int
) -> Estimate:
    if not (np.isfinite(se) and df > 0):
        return Estimate(value, se, df, float("nan"), float("nan"), float("nan"), kind, n_runs, n_clusters)
    half = stats.t.ppf(0.5 + level / 2.0, df) * se
    p_value = float(2 * stats.t.sf(abs(value) / se, df)) if se > 0 else (0.0 if value else 1.0)
    return Estimate(value, se, df, value - half, value + half, p_value, kind, n_runs, n_clusters)
