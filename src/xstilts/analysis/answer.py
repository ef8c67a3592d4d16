"""The plain-language answer, written from the estimates and nothing else.

Order (what a reader takes in at a glance): the primary contrast with its CI and verdict; the
verdict counts (they add up to the number of contrasts); then one short paragraph per task.

Rules the text follows, so that it never says more than the numbers do:

- verdicts are those of :mod:`.verdicts` (primary at alpha, secondaries corrected, "equivalent"
  only by TOST against the smallest effect of interest, "no effect" never);
- every slope is per 0.1 of distance, with its 95% CI and the interval's kind named the same way
  as in the tables ("95% CI, runs+languages" or "95% CI, languages only");
- with fewer than 3 runs per condition the text says run-level uncertainty cannot be estimated;
- associations are "associated with", never "caused by".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xstilts.analysis.analyze import AnalysisResults
from xstilts.analysis.frame import BASELINE
from xstilts.analysis.inference import MIN_RUNS
from xstilts.analysis.paired import STEP
from xstilts.analysis.verdicts import SLOPE_VERDICTS, SOURCE_VERDICTS

MEANINGS = {
    "source-distance": "the change from intermediate training per 0.1 of distance to the source, holding "
    "distance to {ref} fixed (negative: languages closer to the source gain more)",
    "mitigation": "the change of the slope of the {dep} on distance to {ref} per 0.1 (positive: flatter than "
    "no intermediate training)",
}


def number(value: float) -> str:
    """Two decimals, or '–' for a missing value (the same spelling as the tables)."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:+.2f}"


def interval_text(low: float, high: float, kind: str) -> str:
    """``95% CI, runs+languages: -1.20 to +0.40``: the one spelling used in text and tables."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"95% CI, {kind}: not estimable"
    return f"95% CI, {kind}: {number(low)} to {number(high)}"


def _p(value: float, adjusted: bool = False) -> str:
    if not np.isfinite(value):
        return "p –"
    name = "adjusted p" if adjusted else "p"
    return f"{name} < 0.001" if value < 0.001 else f"{name} = {value:.3f}"


def primary_paragraph(results: AnalysisResults) -> str:
    """The primary estimate, its CI, the interval's kind, its verdict and what it means."""
    answer, contrasts, ref = results.settings, results.contrasts, results.frame.reference
    if not answer.primary:
        return "No primary contrast could be formed: no condition could be compared with no intermediate training."
    p = answer.primary
    declared = (
        "declared in report.primary"
        if answer.primary_declared
        else (
            "not declared in the config (report.primary), so the report's default; declare one before looking"
        )
    )
    what = f"{p['task']}, {p['kind']} distance, {p['estimand']}" + (
        f": {p['condition']}" if p.get("condition") else ""
    )
    rows = contrasts[contrasts["role"] == "primary"] if not contrasts.empty else contrasts
    if rows.empty:
        return f"Primary contrast ({declared}): {what}. It could not be estimated from these data (see Skipped estimates)."
    row = rows.iloc[0]
    dependent = results.frame.dependent_by_task.get(str(row.target_task), "score")
    meaning = MEANINGS[row.estimand].format(ref=ref, dep=dependent)
    text = (
        f"Primary contrast ({declared}): {what}. Estimate {number(row.estimate)} per {STEP} of distance "
        f"({interval_text(row.ci_low, row.ci_high, row.interval)}; {_p(row.p_value)}; {int(row.n_languages)} "
        f"languages, at least {int(row.n_runs)} runs per condition): {meaning}. Verdict: {row.verdict}."
    )
    check = results.cross_check
    if check is not None:
        text += (f" Cross-check, MixedLM with crossed language and run effects: {number(check['estimate'])} per {STEP} "
                 f"(95% Wald CI {number(check['ci_low'])} to {number(check['ci_high'])}"
                 f"{'' if check['converged'] else '; the fit did not converge'}).")  # fmt: skip
    if row.verdict == "not estimable" and int(row.n_runs) < MIN_RUNS:
        text += (f" Run-level uncertainty cannot be estimated with {int(row.n_runs)} run(s) per condition (at least "
                 f"{MIN_RUNS} are needed): the interval covers the sampling of languages only, so no verdict is "
                 "claimed.")  # fmt: skip
    elif row.verdict == "inconclusive":
        text += (f" The data neither show a difference nor exclude one larger than the smallest effect of interest "
                 f"(±{answer.sesoi:g} per {STEP}); this is not evidence of no effect.")  # fmt: skip
    return text


def counts_paragraph(results: AnalysisResults) -> str:
    """How many contrasts got each verdict, every category named, so the counts add up."""
    contrasts = results.contrasts
    if contrasts.empty:
        return "No contrast could be estimated."
    parts = []
    for estimand, vocabulary, label in (("mitigation", SLOPE_VERDICTS, "slope changes vs none"),
                                        ("source-distance", SOURCE_VERDICTS, "source-distance coefficients")):  # fmt: skip
        rows = contrasts[contrasts["estimand"] == estimand]
        if rows.empty:
            continue
        counts = rows["verdict"].value_counts()
        listed = ", ".join(f"{int(counts.get(v, 0))} {v}" for v in vocabulary)
        parts.append(f"{len(rows)} {label}: {listed}")
    correction = {"holm": "Holm", "bh": "Benjamini-Hochberg"}[results.settings.correction]
    few = contrasts[(contrasts["verdict"] == "not estimable") & (contrasts["n_runs"] < MIN_RUNS)]
    why = (f" {len(few)} are not estimable because a condition has fewer than {MIN_RUNS} runs: run-level uncertainty "
           "cannot be estimated, so they claim nothing." if len(few) else "")  # fmt: skip
    return (
        f"Verdicts of all {len(contrasts)} contrasts on the main distance kinds (the primary one included; "
        f"secondaries {correction}-corrected): " + "; ".join(parts) + '. "Equivalent" needs a TOST against '
        f'±{results.settings.sesoi:g} per {STEP} of distance; "mitigates" needs a flatter slope and a distant '
        "tercile that did not lose (its level change >= 0 within its CI)." + why
    )


def _baseline_clause(results: AnalysisResults, model: str, task: str, kind: str) -> str:
    s = results.slopes
    row = s[(s["model"] == model) & (s["target_task"] == task) & (s["kind"] == kind)
            & (s["distance_to"] == results.frame.reference) & (s["condition"] == BASELINE)]  # fmt: skip
    if row.empty:
        return f"{kind}: no baseline slope"
    r = row.iloc[0]
    return f"{kind}: without intermediate training {number(r.slope)} per {STEP} ({interval_text(r.ci_low, r.ci_high, r.interval)})"


def task_paragraph(results: AnalysisResults, model: str, task: str, kinds: list[str]) -> str:
    """Short prose: the baseline slopes, the range of level changes, the verdict counts (details: the table)."""
    c = results.contrasts
    rows = c[(c["model"] == model) & (c["target_task"] == task)] if not c.empty else c
    dependent = results.frame.dependent_by_task[task]
    header = f"{task} (model {model}; {dependent} on the {results.settings.dependent} scale)"
    clauses = [_baseline_clause(results, model, task, kind) for kind in kinds]
    p = results.paired[(results.paired["model"] == model) & (results.paired["target_task"] == task)]
    if not p.empty:
        clauses.append(f"mean change of the score vs {BASELINE}: {number(p['mean_delta'].min())} to "
                       f"{number(p['mean_delta'].max())} across conditions")  # fmt: skip
    if not rows.empty:
        counts = rows["verdict"].value_counts()
        clauses.append("verdicts: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
        found = rows[~rows["verdict"].isin(["not estimable", "inconclusive", "equivalent"])]
        clauses += [f"{r.condition} ({r.kind}, {r.estimand}) {r.verdict}: {number(r.estimate)} per {STEP}"
                    for r in found.itertuples(index=False)]  # fmt: skip
    if BASELINE not in set(results.rows.loc[results.rows["target_task"] == task, "condition"]):
        clauses.append(
            f"no run without intermediate training ('{BASELINE}') was scored, so no change can be estimated"
        )
    return f"{header}: " + "; ".join(clauses) + "."


def method_paragraph(results: AnalysisResults) -> str:
    runs = results.rows.groupby("condition")["seed"].nunique()
    return (
        f"Runs per condition: {int(runs.min())}-{int(runs.max())}. Intervals are t intervals whose variance adds "
        f"the spread over runs (every language of a run together) to a {results.n_boot}-replicate bootstrap of "
        f"clusters (clustered by {results.cluster}); 'languages only' marks intervals without run-level uncertainty (fewer than "
        f"{MIN_RUNS} runs). Distances and covariates are properties of the languages, not assigned: a change that "
        "varies with them is associated with them, not caused by them."
    )


def compose_answer(results: AnalysisResults) -> str:
    """The headline: the primary contrast, the verdict counts, one short paragraph per task."""
    kinds = results.distances.main_kinds()
    paragraphs = [primary_paragraph(results), counts_paragraph(results)]
    for (model, task), _ in results.rows.groupby(["model", "target_task"], sort=True):
        paragraphs.append(task_paragraph(results, str(model), str(task), kinds))
    paragraphs.append(method_paragraph(results))
    return "\n\n".join(paragraphs)


def verdict_table(results: AnalysisResults) -> pd.DataFrame:
    """Task x distance x condition with the verdict and the numbers behind it (primary first)."""
    columns = ["role", "target_task", "kind", "estimand", "condition", "estimate", "ci_low", "ci_high", "interval",
               "p_adjusted", "level_change", "distant_delta", "verdict"]  # fmt: skip
    if results.contrasts.empty:
        return pd.DataFrame(columns=columns)
    return results.contrasts[columns]
