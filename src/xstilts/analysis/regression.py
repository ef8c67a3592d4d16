"""Ordinary least squares with cluster-robust standard errors (statsmodels).

Two models, both fitted on one row per (language, seed):

- per condition: ``dependent ~ distance``. The slope is the change of the dependent variable per
  unit of typological distance from the source language.
- pooled over conditions: ``dependent ~ distance * C(condition, Treatment("none"))``. Its
  ``distance:C(condition)[T.X]`` coefficients are ``slope(X) - slope(none)``: how much
  intermediate training on X changes the slope, i.e. the mitigation estimates.

Standard errors are clustered by language (seeds of one language are repeated measures, not
independent evidence) or by language family (hundreds of UDHR languages are not independent
either); t statistics use G - 1 degrees of freedom for G clusters, which is honest when G is small.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import RegressionResultsWrapper

from xstilts.analysis.frame import BASELINE

SLOPE_FORMULA = "dependent ~ distance"
POOLED_FORMULA = f'dependent ~ distance * C(condition, Treatment("{BASELINE}"))'
MIN_LANGUAGES = 3


@dataclass(frozen=True)
class SlopeFit:
    """One per-condition slope with its cluster-robust inference."""

    slope: float
    ci_low: float
    ci_high: float
    p_value: float
    intercept: float
    r2: float
    n_languages: int
    n_obs: int
    n_clusters: int
    result: RegressionResultsWrapper

    def band(self, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fitted mean and its 95% confidence band (cluster-robust) along ``grid``."""
        with _undefined_errors_are_nan():
            frame = self.result.get_prediction(pd.DataFrame({"distance": grid})).summary_frame(alpha=0.05)
        return frame["mean"].to_numpy(), frame["mean_ci_lower"].to_numpy(), frame["mean_ci_upper"].to_numpy()


@contextmanager
def _undefined_errors_are_nan() -> Iterator[None]:
    """Silence numpy's "invalid value encountered in sqrt" from statsmodels' standard errors.

    With few clusters the cluster-robust covariance can have negative diagonal entries; the
    affected standard errors, intervals and p-values become NaN, which the report states in
    words ("cannot be estimated"), so the raw numpy warning would only alarm the reader.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "invalid value encountered in sqrt", RuntimeWarning)
        yield


def _fit(formula: str, data: pd.DataFrame) -> RegressionResultsWrapper:
    """OLS; cluster-robust when there are at least two clusters (otherwise nothing is estimable)."""
    model = smf.ols(formula, data=data)
    groups = pd.factorize(data["cluster"])[0]
    with _undefined_errors_are_nan():
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


def enough_data(data: pd.DataFrame) -> str | None:
    """Why a slope cannot be estimated from ``data``, or None when it can."""
    n_languages = data["language"].nunique()
    if n_languages < MIN_LANGUAGES:
        return f"{n_languages} language(s) with a distance; at least {MIN_LANGUAGES} are needed"
    if data.groupby("language")["distance"].first().nunique() < 2:
        return "every language has the same distance"
    if data["cluster"].nunique() < 2:
        return "all languages fall into one cluster, so clustered errors are undefined"
    return None


def fit_slope(data: pd.DataFrame) -> SlopeFit:
    """Fit ``dependent ~ distance`` on rows with columns dependent, distance, language, cluster."""
    result = _fit(SLOPE_FORMULA, data)
    with _undefined_errors_are_nan():
        low, high = result.conf_int(alpha=0.05).loc["distance"]
        p_value = float(result.pvalues["distance"])
    return SlopeFit(
        slope=float(result.params["distance"]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=p_value,
        intercept=float(result.params["Intercept"]),
        r2=float(result.rsquared),
        n_languages=int(data["language"].nunique()),
        n_obs=len(data),
        n_clusters=int(data["cluster"].nunique()),
        result=result,
    )


@dataclass(frozen=True)
class Interaction:
    """``slope(condition) - slope(none)`` from the pooled model."""

    condition: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


def interaction_name(condition: str) -> str:
    return f'distance:C(condition, Treatment("{BASELINE}"))[T.{condition}]'


def fit_pooled(data: pd.DataFrame) -> dict[str, Interaction]:
    """Fit the pooled interaction model; one :class:`Interaction` per non-baseline condition."""
    result = _fit(POOLED_FORMULA, data)
    with _undefined_errors_are_nan():
        intervals = result.conf_int(alpha=0.05)
        p_values = result.pvalues
    interactions = {}
    for condition in sorted(set(data["condition"]) - {BASELINE}):
        name = interaction_name(str(condition))
        if name not in result.params.index:
            continue
        interactions[str(condition)] = Interaction(
            condition=str(condition),
            estimate=float(result.params[name]),
            ci_low=float(intervals.loc[name, 0]),
            ci_high=float(intervals.loc[name, 1]),
            p_value=float(p_values[name]),
        )
    return interactions
