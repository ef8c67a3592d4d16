"""The dependent variable's scale: raw gap, chance-normalised gap, or logit accuracy.

A raw gap ``s_L - s_en`` shrinks whenever English drops towards chance, so a slope can "flatten"
while every language got worse. Two rescalings make floors visible in the slope itself:

- ``normalised``: ``(s_L - chance) / (s_en - chance)``, the share of English's above-chance
  performance a language keeps (1 = all of it); for tasks without an English row, the score's
  share of the above-chance range, ``(s - chance) / (top - chance)``;
- ``logit``: ``logit(s_L) - logit(s_en)`` (or ``logit(s)``), which stretches the ends of the
  scale, so a point near the floor or ceiling counts more.

``raw`` is the default (README: in the metric's own points, what a reader compares with the
paper; floors are handled by the verdict, which needs the distant languages not to lose). Every
table also carries ``better``: the score on the chosen scale, signed so that higher is better,
from which the paired changes are computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xstilts.errors import ConfigError

DEPENDENTS = ("raw", "normalised", "logit")
LOGIT_CLIP = 0.005  # a score of exactly 0 or 1 has no logit; clip to [0.5%, 99.5%]


def score_top(scores: pd.Series) -> float:
    """100 for percentages, 1 for proportions (the store keeps each metric's own scale)."""
    return 100.0 if float(np.nanmax(np.abs(scores.to_numpy(dtype=float)))) > 1.5 else 1.0


def _logit(share: pd.Series) -> pd.Series:
    clipped = share.clip(LOGIT_CLIP, 1 - LOGIT_CLIP)
    return np.log(clipped / (1 - clipped))


def apply(rows: pd.DataFrame, dependent: str, chance: dict[str, float] | None = None) -> pd.DataFrame:
    """Rewrite ``dependent`` on the chosen scale and add ``better`` (the signed score on it).

    ``chance`` maps a task to its chance score on the metric's own scale (e.g. 12.5 for 8
    balanced classes in percent); tasks not named get 0, which the setup section says.
    """
    if dependent not in DEPENDENTS:
        raise ConfigError(
            f"unknown dependent variable {dependent!r}", fix=f"use one of: {', '.join(DEPENDENTS)}"
        )
    rows = rows.copy()
    rows["scale"] = dependent
    parts = []
    for task, group in rows.groupby("target_task", sort=False):
        parts.append(_task_scale(group, dependent, (chance or {}).get(str(task), 0.0)))
    rows = pd.concat(parts).loc[rows.index]
    sign = np.where(rows["higher_is_better"].astype(bool), 1.0, -1.0)
    rows["better"] = sign * rows["level"]
    rows["dependent_better"] = sign * rows["dependent"]
    return rows


def _task_scale(group: pd.DataFrame, dependent: str, chance: float) -> pd.DataFrame:
    group = group.copy()
    top = score_top(group["score"])
    has_reference = group["reference_score"].notna()
    if dependent == "raw":
        group["level"] = group["score"]
        return group
    if dependent == "normalised":
        group["level"] = (group["score"] - chance) / (top - chance)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (group["score"] - chance) / (group["reference_score"] - chance)
        # English at or below chance leaves nothing to keep a share of: the gap is undefined there.
        ratio = ratio.where(group["reference_score"] > chance)
        group["dependent"] = np.where(has_reference, ratio, group["level"])
    else:
        group["level"] = _logit(group["score"] / top)
        gap = group["level"] - _logit(group["reference_score"] / top)
        group["dependent"] = np.where(has_reference, gap, group["level"])
    group.loc[group["is_reference"].fillna(False).astype(bool), "dependent"] = np.nan
    return group
