"""A mixed-model cross-check of the primary contrast (statsmodels ``MixedLM``).

The main intervals (:mod:`.inference`) come from a variance decomposition and a bootstrap; a
reviewer may ask whether a likelihood-based model with crossed random effects agrees. Here every
(condition, language, run) score is one row of::

    better ~ C(condition) + d_en:treated + d_src:treated        (source-distance)
    dependent ~ C(condition, Treatment("none")) * d_en          (mitigation: the [T.c]:d_en term)

with crossed variance components for the language (its level, shared by every condition: what
the paired change removes) and the run (condition x seed: a level and a slope on d(L, en) per
run, what the crossed design adds). ``treated`` is 1 outside ``none``; a condition's own source
languages are left out of it, as in :mod:`.paired`. The estimate is reported per 0.1 of
distance with its Wald 95% CI; a fit that does not converge is reported as such, not hidden.
Crossed effects in statsmodels need one dense group, so studies above :data:`MAX_ROWS` rows
(e.g. every UDHR language) skip the cross-check and the report says nothing about it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from xstilts.analysis.frame import BASELINE
from xstilts.analysis.paired import STEP, sources_of

MAX_ROWS = 1500  # crossed effects need one dense group: cost grows with rows cubed, so bigger studies skip it


def _data(rows: pd.DataFrame, conditions: list[str], kind: str, value: str) -> pd.DataFrame:
    data = rows[rows["condition"].isin([BASELINE, *conditions]) & rows[value].notna()].copy()
    own_source = [
        lang in sources_of(src) for lang, src in zip(data["language"], data["sources"], strict=True)
    ]
    data = data[~np.array(own_source, dtype=bool)]
    data["treated"] = (data["condition"] != BASELINE).astype(float)
    data["d_en"] = data[f"d_{kind}"]
    data["d_src"] = data[f"dsrc_{kind}"].fillna(0.0)
    data["run"] = data["condition"].astype(str) + "#" + data["seed"].astype(str)
    data["y"] = data[value]
    return data[data["d_en"].notna() & (data["treated"].eq(0) | data[f"dsrc_{kind}"].notna())]


def cross_check(rows: pd.DataFrame, primary: dict, reference: str, conditions: list[str]) -> dict | None:
    """The primary contrast re-estimated by MixedLM, or None when it has no such form."""
    import statsmodels.formula.api as smf

    task_rows = rows[(rows["target_task"] == primary["task"]) & (rows["language"] != reference)]
    kind = primary["kind"]
    if primary["estimand"] == "source-distance":
        data = _data(task_rows, conditions, kind, "better")
        formula, term = "y ~ C(condition) + d_en:treated + d_src:treated", "d_src:treated"
    else:
        data = _data(task_rows, [primary["condition"]], kind, "dependent_better")
        baseline = f'C(condition, Treatment("{BASELINE}"))'
        formula, term = f"y ~ {baseline} * d_en", f"{baseline}[T.{primary['condition']}]:d_en"
    if data["language"].nunique() < 3 or data["run"].nunique() < 3 or len(data) > MAX_ROWS:
        return None
    components = {"language": "0 + C(language)", "run": "0 + C(run)", "run_slope": "0 + C(run):d_en"}
    model = smf.mixedlm(formula, data, groups=np.ones(len(data)), vc_formula=components)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = model.fit(reml=True)
        except (np.linalg.LinAlgError, ValueError):
            return None
    if term not in result.params.index:
        return None
    low, high = result.conf_int().loc[term]
    return {"estimand": primary["estimand"], "target_task": primary["task"], "kind": kind,
            "condition": primary.get("condition", ""), "estimate": float(result.params[term]) * STEP,
            "ci_low": float(low) * STEP, "ci_high": float(high) * STEP, "converged": bool(result.converged)}  # fmt: skip
