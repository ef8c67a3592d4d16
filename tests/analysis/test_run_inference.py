"""Run-level inference on simulated crossed designs: the interval covers, the old draw does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xstilts.analysis import bootstrap
from xstilts.analysis.inference import MIN_RUNS, Contrast, RunPanel, estimate, weighted_ols

TRUE_MITIGATION = 10.0


def _study(rng: np.random.Generator, *, n_runs: int = 5, tau: float = 3.0, n_languages: int = 30):
    """Two conditions x runs x languages with a planted run-level slope variance ``tau``.

    Every run of a condition tilts the slope of *all* languages by the same u ~ N(0, tau^2): the
    crossed design. The truth is the difference of the conditions' mean slopes.
    """
    distance = rng.uniform(0.1, 0.9, n_languages)
    language = rng.normal(0.0, 5.0, n_languages)  # shared by both conditions: cancels in the pairs

    def condition(slope: float) -> np.ndarray:
        tilt = rng.normal(0.0, tau, n_runs)
        shift = rng.normal(0.0, 1.0, n_runs)
        noise = rng.normal(0.0, 1.0, (n_languages, n_runs))
        return language[:, None] + (slope + tilt)[None, :] * distance[:, None] + shift[None, :] + noise

    runs = tuple(range(n_runs))
    treated = RunPanel(condition(-20.0 + TRUE_MITIGATION), runs)
    baseline = RunPanel(condition(-20.0), runs)
    return distance, treated, baseline


def _old_per_language_interval(distance, treated, baseline, rng) -> tuple[float, float]:
    """The previous scheme (seeds drawn independently per language), through its own module."""

    def frame(sample: RunPanel) -> pd.DataFrame:
        n_languages, n_runs = sample.values.shape
        return pd.DataFrame({
            "language": np.repeat([f"l{i:02d}" for i in range(n_languages)], n_runs),
            "cluster": np.repeat([f"l{i:02d}" for i in range(n_languages)], n_runs),
            "x": np.repeat(distance, n_runs), "y": sample.values.ravel(),
        })  # fmt: skip

    treated_rows, baseline_rows = frame(treated), frame(baseline)
    groups = bootstrap.layout(baseline_rows)
    draws = bootstrap.bootstrap_slope_difference(
        bootstrap.pack(treated_rows, groups), bootstrap.pack(baseline_rows, groups), 199, rng
    )
    return bootstrap.percentile_interval(draws)


def test_crossed_interval_covers_and_the_per_language_draw_under_covers() -> None:
    rng = np.random.default_rng(2024)
    covered, old_covered, n_studies = 0, 0, 200
    for _ in range(n_studies):
        distance, treated, baseline = _study(rng)
        design = np.column_stack([np.ones_like(distance), distance])
        fit = estimate(Contrast.paired(treated, baseline, design), np.arange(len(distance)), 99, rng)
        assert fit.run_level and fit.interval == "runs+languages"
        covered += fit.low <= TRUE_MITIGATION <= fit.high
        low, high = _old_per_language_interval(distance, treated, baseline, rng)
        old_covered += low <= TRUE_MITIGATION <= high
    assert 0.92 <= covered / n_studies <= 0.98
    assert old_covered / n_studies < 0.88  # the run-level tilt is averaged away


def test_too_few_runs_leave_run_level_uncertainty_unknown() -> None:
    rng = np.random.default_rng(5)
    distance, treated, baseline = _study(rng, n_runs=MIN_RUNS - 1)
    design = np.column_stack([np.ones_like(distance), distance])
    fit = estimate(Contrast.paired(treated, baseline, design), np.arange(len(distance)), 99, rng)
    assert not fit.run_level and fit.interval == "languages only"
    assert fit.n_runs == MIN_RUNS - 1 and np.isfinite(fit.low)


def test_weighted_ols_matches_numpy_and_flags_singular_designs() -> None:
    rng = np.random.default_rng(0)
    design = np.column_stack([np.ones(12), rng.uniform(size=12), rng.uniform(size=12)])
    outcome = design @ np.array([1.0, -2.0, 3.0]) + rng.normal(0, 0.1, 12)
    ours = weighted_ols(design, outcome[None, :], np.ones((1, 12)))[0]
    assert ours == pytest.approx(np.linalg.lstsq(design, outcome, rcond=None)[0])
    one_point = np.zeros((1, 12))
    one_point[0, 0] = 12.0  # a replicate that drew one language only
    assert np.isnan(weighted_ols(design, outcome[None, :], one_point)).all()


def test_equivalence_needs_the_interval_inside_the_margin() -> None:
    rng = np.random.default_rng(11)
    distance, treated, baseline = _study(rng, tau=0.5)
    baseline = RunPanel(treated.values - 0.0, treated.seeds)  # identical: the truth is 0 exactly
    design = np.column_stack([np.ones_like(distance), distance])
    noisy = RunPanel(baseline.values + rng.normal(0, 0.5, baseline.values.shape), baseline.seeds)
    fit = estimate(Contrast.paired(treated, noisy, design), np.arange(len(distance)), 99, rng)
    assert fit.equivalence_p(margin=abs(fit.value) + 4 * fit.se) < 0.05
    assert fit.equivalence_p(margin=fit.se * 0.5) > 0.05
