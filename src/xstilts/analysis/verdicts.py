"""Verdicts: one primary contrast, corrected secondaries, equivalence tests, floor-aware wording.

Rules (each is a function below, tested on known p-values and intervals):

- The **primary** contrast (``report.primary``: task, distance kind, estimand) is judged at alpha
  on its own p. Every other comparison is **secondary**: its p is Holm-corrected across all
  secondaries (Benjamini-Hochberg as an option).
- "No difference" is never inferred from a non-significant test: a contrast is **equivalent**
  only when a TOST against the smallest effect of interest (``report.sesoi``, in the dependent's
  units per 0.1 of distance) rejects both one-sided nulls; otherwise it is **inconclusive**.
- A flatter slope **mitigates** only when the distant tercile's level change is >= 0 within its
  CI (the distant languages did not lose); a flatter slope with the distant languages losing is
  **flatter through losses** (the near languages lost more: a floor, not protection).
- Without run-level uncertainty (fewer than 3 runs per condition) nothing gets a verdict:
  **not estimable**.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from xstilts.errors import ConfigError

ALPHA = 0.05
CORRECTIONS = {"holm": "holm", "bh": "fdr_bh"}
SLOPE_VERDICTS = (
    "mitigates",
    "flatter through losses",
    "steeper",
    "equivalent",
    "inconclusive",
    "not estimable",
)
SOURCE_VERDICTS = ("closer helps", "closer hurts", "equivalent", "inconclusive", "not estimable")


def adjust(p_values: pd.Series | np.ndarray, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values (NaN stays NaN and does not count as a test)."""
    if method not in CORRECTIONS:
        raise ConfigError(f"unknown correction {method!r}", fix=f"use one of: {', '.join(CORRECTIONS)}")
    values = np.asarray(p_values, dtype=float)
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    if finite.any():
        out[finite] = multipletests(values[finite], alpha=ALPHA, method=CORRECTIONS[method])[1]
    return out


def slope_verdict(
    estimate: float,
    p_value: float,
    tost_p: float,
    distant_high: float,
    run_level: bool,
    alpha: float = ALPHA,
) -> str:
    """The verdict of a slope change (positive = flatter than no intermediate training)."""
    if not run_level or not np.isfinite(p_value):
        return "not estimable"
    if p_value < alpha:
        if estimate < 0:
            return "steeper"
        return "mitigates" if np.isfinite(distant_high) and distant_high >= 0 else "flatter through losses"
    if np.isfinite(tost_p) and tost_p < alpha:
        return "equivalent"
    return "inconclusive"


def source_verdict(
    estimate: float, p_value: float, tost_p: float, run_level: bool, alpha: float = ALPHA
) -> str:
    """The verdict of the d(L, src) coefficient (negative = languages closer to the source gain more)."""
    if not run_level or not np.isfinite(p_value):
        return "not estimable"
    if p_value < alpha:
        return "closer helps" if estimate < 0 else "closer hurts"
    if np.isfinite(tost_p) and tost_p < alpha:
        return "equivalent"
    return "inconclusive"


def tost_p(estimate: float, se: float, df: float, margin: float) -> float:
    """Two one-sided t tests against +-margin: the larger one-sided p (small = equivalent)."""
    from scipy import stats

    if not (np.isfinite(se) and se > 0 and np.isfinite(df) and df > 0 and margin > 0):
        return float("nan")
    lower = stats.t.sf((estimate + margin) / se, df)
    upper = stats.t.sf((margin - estimate) / se, df)
    return float(max(lower, upper))


def judge(
    contrasts: pd.DataFrame, primary_key: tuple | None, sesoi: float, correction: str = "holm"
) -> pd.DataFrame:
    """Add role, adjusted p, TOST and the verdict to the contrasts table (one row per contrast).

    ``contrasts`` has model, target_task, kind, estimand, condition, estimate, se, df, p_value,
    distant_high and run_level; ``primary_key`` = (target_task, kind, estimand, condition).
    """
    table = contrasts.copy()
    key = list(zip(table["target_task"], table["kind"], table["estimand"], table["condition"], strict=True))
    table["role"] = ["primary" if primary_key is not None and k == primary_key else "secondary" for k in key]
    primary = table["role"] == "primary"
    tost = [
        tost_p(e, s, d, sesoi) for e, s, d in zip(table["estimate"], table["se"], table["df"], strict=True)
    ]
    table["tost_p"] = tost
    usable = table["run_level"].astype(bool)
    table["p_adjusted"] = table["p_value"].where(primary)
    table["tost_p_adjusted"] = table["tost_p"].where(primary)
    secondary = ~primary & usable
    table.loc[secondary, "p_adjusted"] = adjust(table.loc[secondary, "p_value"], correction)
    table.loc[secondary, "tost_p_adjusted"] = adjust(table.loc[secondary, "tost_p"], correction)
    table["verdict"] = [_verdict(row) for row in table.itertuples(index=False)]
    order = {"primary": 0, "secondary": 1}
    return table.sort_values(["role", "target_task", "kind", "estimand", "condition"],
                             key=lambda c: c.map(order) if c.name == "role" else c).reset_index(drop=True)  # fmt: skip


def _verdict(row) -> str:
    run_level = bool(row.run_level)
    if row.estimand == "source-distance":
        return source_verdict(row.estimate, row.p_adjusted, row.tost_p_adjusted, run_level)
    return slope_verdict(row.estimate, row.p_adjusted, row.tost_p_adjusted, row.distant_high, run_level)


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per estimand, how many contrasts got each verdict, every category listed (they add up)."""
    records = []
    for estimand, vocabulary in (("mitigation", SLOPE_VERDICTS), ("source-distance", SOURCE_VERDICTS)):
        rows = table[table["estimand"] == estimand]
        if rows.empty:
            continue
        counts = rows["verdict"].value_counts()
        records += [{"estimand": estimand, "verdict": v, "n": int(counts.get(v, 0))} for v in vocabulary]
        records.append({"estimand": estimand, "verdict": "total", "n": len(rows)})
    return pd.DataFrame(records, columns=["estimand", "verdict", "n"])
