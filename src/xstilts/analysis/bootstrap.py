"""Cluster bootstrap of regression slopes with a seed draw per language, vectorised with numpy.

Not what the report's intervals use any more: seeds are crossed with languages (one trained run
is evaluated in every language), and drawing them per language averages a run's shared tilt
away, so these intervals under-cover (tests/analysis/test_run_inference.py measures it). The
report uses :mod:`.inference`; this module stays as the documented per-language scheme.

Why a two-stage bootstrap: the languages (or language families) are the sampled units the question
is about, and seeds are repeated measures within a language. Each replicate draws clusters with
replacement (keeping the languages inside a drawn cluster), then draws seeds with replacement
inside every drawn language, and recomputes the least-squares slope of y on x over all
observations. Slopes are computed in closed form, ``cov(x, y) / var(x)``, over a padded array
(cluster x language x seed) so that a batch of replicates is a handful of array operations.

A slope difference between two conditions resamples the *same* clusters for both (the languages
are paired) and the seeds of each condition independently (they are separate training runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_BATCH_CELLS = 2_000_000  # replicate x cluster x language x seed cells per batch (~16 MB of float64)


@dataclass(frozen=True)
class PackedSample:
    """Observations padded to (cluster, language-in-cluster, seed)."""

    x: np.ndarray  # (G, L) distance of each language; 0 where padded
    y: np.ndarray  # (G, L, S) dependent per seed, packed to the front; 0 where padded
    n_seeds: np.ndarray  # (G, L) number of real seeds; 0 for padded languages
    languages: tuple[str, ...]


def layout(observations: pd.DataFrame) -> list[list[str]]:
    """Languages grouped by cluster (sorted, so that the layout, and the draws, are reproducible)."""
    per_language = observations.groupby("language", sort=True)["cluster"].first()
    clusters: dict[str, list[str]] = {}
    for language, cluster in per_language.items():
        clusters.setdefault(str(cluster), []).append(str(language))
    return [clusters[name] for name in sorted(clusters)]


def pack(observations: pd.DataFrame, groups: list[list[str]]) -> PackedSample:
    """Pad ``observations`` (columns language, x, y) into the given cluster layout."""
    n_clusters = len(groups)
    max_languages = max(len(group) for group in groups)
    by_language = {str(name): rows for name, rows in observations.groupby("language", sort=False)}
    max_seeds = max(len(rows) for rows in by_language.values())
    x = np.zeros((n_clusters, max_languages))
    y = np.zeros((n_clusters, max_languages, max_seeds))
    n_seeds = np.zeros((n_clusters, max_languages), dtype=np.int64)
    for g, group in enumerate(groups):
        for slot, language in enumerate(group):
            rows = by_language[language]
            x[g, slot] = float(rows["x"].iloc[0])
            values = rows["y"].to_numpy(dtype=float)
            y[g, slot, : len(values)] = values
            n_seeds[g, slot] = len(values)
    names = tuple(language for group in groups for language in group)
    return PackedSample(x, y, n_seeds, names)


def _draw(sample: PackedSample, clusters: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Values, weights and distances of one batch of replicates for the drawn clusters."""
    batch, n_clusters = clusters.shape
    n_languages, n_seed_slots = sample.y.shape[1:]
    seeds_available = sample.n_seeds[clusters]  # (B, G, L)
    uniform = rng.random((batch, n_clusters, n_languages, n_seed_slots))
    seed_index = np.floor(uniform * np.maximum(seeds_available, 1)[..., None]).astype(np.int64)
    values = sample.y[clusters[..., None, None], np.arange(n_languages)[None, None, :, None], seed_index]
    weights = (np.arange(n_seed_slots)[None, None, None, :] < seeds_available[..., None]).astype(float)
    distances = np.broadcast_to(sample.x[clusters][..., None], values.shape)
    return values, weights, distances


def _weighted_slope(values: np.ndarray, weights: np.ndarray, distances: np.ndarray) -> np.ndarray:
    axes = (1, 2, 3)
    total = weights.sum(axis=axes)
    mean_x = (weights * distances).sum(axis=axes) / total
    mean_y = (weights * values).sum(axis=axes) / total
    centred_x = distances - mean_x[:, None, None, None]
    sxx = (weights * centred_x**2).sum(axis=axes)
    sxy = (weights * centred_x * (values - mean_y[:, None, None, None])).sum(axis=axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sxx > 1e-12, sxy / np.where(sxx > 1e-12, sxx, 1.0), np.nan)


def _batches(sample: PackedSample, n_boot: int) -> list[int]:
    cells = max(1, sample.y.size)
    size = max(1, _BATCH_CELLS // cells)
    return [min(size, n_boot - start) for start in range(0, n_boot, size)]


def bootstrap_slopes(sample: PackedSample, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` replicate slopes (NaN where a replicate drew a single distinct distance)."""
    n_clusters = sample.x.shape[0]
    draws = []
    for batch in _batches(sample, n_boot):
        clusters = rng.integers(0, n_clusters, size=(batch, n_clusters))
        draws.append(_weighted_slope(*_draw(sample, clusters, rng)))
    return np.concatenate(draws) if draws else np.empty(0)


def bootstrap_slope_difference(
    treated: PackedSample, baseline: PackedSample, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Replicates of ``slope(treated) - slope(baseline)`` over the same drawn clusters."""
    if treated.languages != baseline.languages:
        raise ValueError("paired bootstrap needs both samples packed in the same layout")
    n_clusters = treated.x.shape[0]
    draws = []
    for batch in _batches(treated, n_boot):
        clusters = rng.integers(0, n_clusters, size=(batch, n_clusters))
        draws.append(
            _weighted_slope(*_draw(treated, clusters, rng)) - _weighted_slope(*_draw(baseline, clusters, rng))
        )
    return np.concatenate(draws) if draws else np.empty(0)


def percentile_interval(
    draws: np.ndarray, level: float = 0.95, min_valid: float = 0.9
) -> tuple[float, float]:
    """Percentile interval; NaN when too many replicates were degenerate to trust it."""
    finite = draws[np.isfinite(draws)]
    if len(draws) == 0 or len(finite) < min_valid * len(draws):
        return float("nan"), float("nan")
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)
