"""The plain-language answer, written from the estimates and nothing else.

Rules the text follows, so that it never says more than the numbers do:

- a slope or a difference is described as real only under the same rule as
  :func:`~xstilts.analysis.analyze.verdict` (bootstrap CI excludes zero AND clustered p < 0.05);
  otherwise the text says the data do not show it, or that the evidence is inconclusive;
- every estimate comes with its 95% CI, and every paragraph says how many languages and seeds it
  rests on and that no correction for multiple comparisons was made;
- slopes are restated per 0.1 of distance (URIEL distances lie in [0, 1]), in the metric's units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xstilts.analysis.analyze import AnalysisResults, verdict
from xstilts.analysis.frame import BASELINE

STEP = 0.1  # distance step the text speaks about


def _number(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.1f}"


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _unit(rows: pd.DataFrame, metric: str) -> str:
    """'points' for percent-scale metrics (0-100, as XTREME reports them), else the metric's name."""
    return f"{metric} points" if float(np.nanmax(np.abs(rows["score"]))) > 1.5 else f"units of {metric}"


def _seeds_phrase(rows: pd.DataFrame) -> str:
    counts = rows.groupby(["condition", "language"])["seed"].nunique()
    low, high = int(counts.min()), int(counts.max())
    return f"{low} seed{'s' if low != 1 else ''}" if low == high else f"{low}-{high} seeds"


def _baseline_sentence(row: pd.Series, reference: str, unit: str, sign: float) -> str:
    per_step = row["slope"] * STEP
    low, high = sorted((row["boot_low"] * STEP, row["boot_high"] * STEP))
    interval = f"slope per {STEP} {per_step:+.2f}, 95% bootstrap CI {_number(low)} to {_number(high)}, {_p(row['p_value'])}"
    if not (np.isfinite(low) and np.isfinite(high)):
        return (
            f"without intermediate training, the slope ({per_step:+.2f} per {STEP}, {_p(row['p_value'])}) has no "
            f"bootstrap interval: the distance barely varies inside the resampled clusters (e.g. every language "
            f"outside {reference}'s family is equally far genetically), so no conclusion is drawn"
        )
    if verdict(per_step, low, high, row["p_value"]) in {"flatter", "steeper"}:
        loss = -sign * per_step
        direction = "costs" if loss > 0 else "adds"
        return (
            f"without intermediate training, each {STEP} of distance from {reference} {direction} "
            f"{_number(abs(per_step))} {unit} ({interval})"
        )
    return f"without intermediate training, the data do not show a change with this distance ({interval})"


def _mitigation_sentence(row: pd.Series, unit: str) -> str:
    per_step = row["mitigation"] * STEP
    low, high = row["ci_low"] * STEP, row["ci_high"] * STEP
    interval = f"95% bootstrap CI {_number(low)} to {_number(high)}; pooled-interaction {_p(row['p_value'])}"
    name = f"intermediate training on {row['condition']}"
    if row["verdict"] == "flatter":
        return (
            f"{name} flattens the decline: it loses {_number(per_step)} {unit} less per {STEP} of distance "
            f"({interval}; the CI excludes zero)"
        )
    if row["verdict"] == "steeper":
        return (
            f"{name} makes the decline steeper: it loses {_number(-per_step)} {unit} more per {STEP} of "
            f"distance ({interval}; the CI excludes zero)"
        )
    if row["verdict"] == "inconclusive":
        return (
            f"for {name} the evidence is inconclusive (mitigation {per_step:+.2f} per {STEP}, {interval}: the "
            f"bootstrap CI and the clustered test disagree)"
        )
    if row["verdict"] == "not estimable":
        return (
            f"for {name} the change of slope could not be estimated (mitigation {per_step:+.2f} per {STEP}, "
            f"{_p(row['p_value'])}, but too many bootstrap resamples had no spread in distance for an interval)"
        )
    return (
        f"for {name} the data do not show a difference in slope (mitigation {per_step:+.2f} per {STEP}, "
        f"{interval}; the CI includes zero)"
    )


def _dependent_phrase(dependent: str, metric: str, reference: str, same_items: bool = False) -> str:
    if dependent == "gap":
        on = " on the same items" if same_items else ""
        return f"dependent variable: gap = {metric}(language) - {metric}({reference}{on})"
    return f"dependent variable: the {metric} score itself (no {reference} evaluation to subtract)"


def _other_slopes(results: AnalysisResults, model: str, task: str, kind: str) -> str:
    """The slopes that do exist (e.g. when the baseline was not run), so the paragraph still informs."""
    s = results.slopes
    rows = s[(s["model"] == model) & (s["target_task"] == task) & (s["kind"] == kind)]
    rows = rows[rows["distance_to"] == results.frame.reference]
    if rows.empty:
        return ""
    described = [
        f"{row.condition}: {row.slope * STEP:+.2f} per {STEP} (95% bootstrap CI {_number(row.boot_low * STEP)} to "
        f"{_number(row.boot_high * STEP)}, {row.n_languages} languages)"
        for row in rows.itertuples(index=False)
    ]
    return "; slopes with intermediate training: " + ", ".join(described)


def task_paragraph(results: AnalysisResults, model: str, task: str, kinds: list[str]) -> str:
    """One paragraph: the baseline slope and every condition's mitigation, per main distance kind."""
    reference = results.frame.reference
    rows = results.rows[(results.rows["model"] == model) & (results.rows["target_task"] == task)]
    metric = str(rows["metric"].iloc[0])
    sign = 1.0 if bool(rows["higher_is_better"].iloc[0]) else -1.0
    unit = _unit(rows, metric)
    slopes = results.slopes[
        (results.slopes["model"] == model) & (results.slopes["target_task"] == task)
        & (results.slopes["distance_to"] == reference) & (results.slopes["condition"] == BASELINE)
    ]  # fmt: skip
    mitigation = results.mitigation[
        (results.mitigation["model"] == model) & (results.mitigation["target_task"] == task)
    ]
    task_rows = results.frame.rows[results.frame.rows["target_task"] == task]
    same_items = "reference_kind" in task_rows and bool((task_rows["reference_kind"] == "same items").any())
    dependent = _dependent_phrase(results.frame.dependent_by_task[task], metric, reference, same_items)
    header = f"{task} (model {model}; {dependent}; {_seeds_phrase(rows)} per language)."
    sentences = []
    for kind in kinds:
        baseline = slopes[slopes["kind"] == kind]
        if baseline.empty:
            sentences.append(
                f"{kind.capitalize()} distance: no slope could be estimated without intermediate training"
                + _other_slopes(results, model, task, kind)
                + "."
            )
            continue
        row = baseline.iloc[0]
        parts = [_baseline_sentence(row, reference, unit, sign)]
        parts += [_mitigation_sentence(m, unit) for _, m in mitigation[mitigation["kind"] == kind].iterrows()]
        sentences.append(
            f"{kind.capitalize()} distance ({int(row['n_languages'])} languages): " + "; ".join(parts) + "."
        )
    if BASELINE not in set(rows["condition"]):
        sentences.append(f"No run without intermediate training ('{BASELINE}') was scored, so no mitigation "
                         "can be estimated.")  # fmt: skip
    return " ".join([header, *sentences])


def overall_sentence(results: AnalysisResults, kinds: list[str]) -> str:
    """The lead: how many mitigation estimates on the main kinds are flatter, steeper or neither."""
    main = results.mitigation[results.mitigation["kind"].isin(kinds)]
    if main.empty:
        return (
            "The data do not allow an answer: no condition could be compared with no intermediate training "
            "on the main distance kinds."
        )
    counts = main["verdict"].value_counts()
    flatter = sorted(main.loc[main["verdict"] == "flatter", "condition"].unique())
    steeper = sorted(main.loc[main["verdict"] == "steeper", "condition"].unique())
    text = (
        f"Of {len(main)} comparisons of a condition's slope with that of no intermediate training "
        f"({main['target_task'].nunique()} task(s) x {', '.join(kinds)} distance), {counts.get('flatter', 0)} "
        f"show a flatter decline, {counts.get('steeper', 0)} a steeper one, {counts.get('inconclusive', 0)} are "
        f"inconclusive and {counts.get('no difference shown', 0)} show no difference (a difference counts only "
        "when its bootstrap 95% CI excludes zero and the clustered p < 0.05; no correction for multiple "
        "comparisons)."
    )
    if flatter:
        text += f" Conditions with at least one flatter estimate: {', '.join(flatter)}."
    if steeper:
        text += f" Conditions with at least one steeper estimate: {', '.join(steeper)}."
    if not flatter:
        text += " The data do not show that any intermediate-task condition flattens the slope."
    return text


def compose_answer(results: AnalysisResults) -> str:
    """The headline: the overall count, then one paragraph per (model, task)."""
    kinds = results.distances.main_kinds()
    paragraphs = [overall_sentence(results, kinds)]
    for (model, task), _ in results.rows.groupby(["model", "target_task"], sort=True):
        paragraphs.append(task_paragraph(results, str(model), str(task), kinds))
    units = sorted(set(results.cluster_by_task.values())) or [results.cluster]
    plural = {"language": "languages", "family": "language families"}
    paragraphs.append(
        f"Standard errors are clustered by {results.cluster}; bootstrap intervals resample "
        f"{' or '.join(plural.get(u, u) for u in units)} (and seeds within languages) {results.n_boot} times."
    )
    return "\n\n".join(paragraphs)
