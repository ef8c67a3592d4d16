"""The report's sections as document blocks, in the order a reader needs them.

Setup first (what was run, on what), then the answer, then the evidence from the most direct
(per-language scores, distances) to the most derived (slopes, mitigation, paired tests, tables),
then what was left out and why, then the figures and the exact model formulas.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pandas as pd

from xstilts.analysis.analyze import AnalysisResults
from xstilts.analysis.answer import verdict_table
from xstilts.analysis.document import Block, Bullets, Code, Heading, Image, Paragraph, Table
from xstilts.analysis.frame import BASELINE
from xstilts.analysis.paired import STEP
from xstilts.analysis.regression import POOLED_FORMULA, SLOPE_FORMULA
from xstilts.analysis.tables import condition_order, delta_matrix_wide, per_language_wide

DELTA_FORMULA = "delta ~ 1 + d(L, en) + d(L, src)"


def _join(values: list[str] | set[str], limit: int = 60) -> str:
    values = sorted(str(v) for v in values)
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def provenance_summary(scores: pd.DataFrame, runs: pd.DataFrame) -> list[str]:
    """Runs (status, code version, config hash) and the distinct values of each score provenance key."""
    items = []
    if not runs.empty:
        statuses = runs["status"].value_counts().to_dict()
        items.append(f"runs: {len(runs)} ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})")
        items.append(f"code versions: {_join(set(runs['code_version']), 5)}")
        items.append(f"config hashes: {_join(set(runs['config_hash']), 5)}")
    else:
        items.append("runs: none recorded in the store")
    values: dict[str, set[str]] = defaultdict(set)
    for text in scores["provenance_json"].dropna().unique():
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            for key, value in record.items():
                values[str(key)].add(json.dumps(value, sort_keys=True, default=str))
    for key in sorted(values):
        distinct = values[key]
        short = len(distinct) <= 3 and all(len(v) <= 80 for v in distinct)  # never cut a value mid-JSON
        items.append(f"provenance {key}: {_join(distinct, 3)}" if short else
                     f"provenance {key}: {len(distinct)} distinct value(s), in full under Provenance")  # fmt: skip
    return items


def setup_section(results: AnalysisResults, experiment: str, store: str) -> list[Block]:
    rows, selection = results.rows, results.frame.selection
    conditions = (
        rows.groupby("condition")
        .agg(intermediate=("intermediate", "first"), sources=("sources", "first"))
        .reset_index()
    )
    condition_items = [
        f"{c.condition}: {c.intermediate or 'no intermediate training'}"
        + (f" (sources: {c.sources})" if c.sources else "")
        for c in conditions.set_index("condition").loc[condition_order(list(conditions["condition"]))]
        .reset_index().itertuples()
    ]  # fmt: skip
    tasks = [
        f"{task}: metric {selection.key_by_task[task].label} ({'higher' if selection.higher_is_better[task] else 'lower'}"
        f" is better); dependent variable: {results.frame.dependent_by_task[task]}"
        for task in results.frame.tasks
    ]
    seeds = sorted(rows["seed"].unique())
    items = [
        f"experiment: {experiment} (store: {store}, split: {selection.split})",
        f"models: {_join(set(rows['model']))}",
        f"target tasks: {len(tasks)}",
        f"languages: {rows['language'].nunique()} ({_join(set(rows['language']))}); reference: "
        f"{results.frame.reference}",
        f"seeds: {', '.join(map(str, seeds))}",
        f"distance measure: {results.distances.measure}; kinds: {', '.join(results.distances.kinds)}",
        f"inference: run-level t intervals (runs + {results.cluster} clusters, bootstrap B = {results.n_boot}, "
        f"seed {results.seed}); OLS clustered by {results.cluster} as a cross-check",
        f"dependent scale: {results.settings.dependent}"
        + (
            f" (chance: {', '.join(f'{t} {v:g}' for t, v in sorted(results.settings.chance.items()))})"
            if results.settings.dependent != "raw"
            else ""
        ),
    ]
    blocks: list[Block] = [Heading("Setup"), Bullets(items), Heading("Conditions", 3), Bullets(condition_items),
                           Heading("Tasks", 3), Bullets(tasks)]  # fmt: skip
    blocks += [Heading("Run provenance", 3), Bullets(provenance_summary(selection.scores, selection.runs))]
    if selection.notes:
        blocks += [Heading("Notes on the score selection", 3), Bullets(selection.notes)]
    return blocks


def answer_section(answer: str, results: AnalysisResults | None = None) -> list[Block]:
    """The primary estimate, the verdict counts, the verdict table, then the short prose."""
    paragraphs = answer.split("\n\n")
    blocks: list[Block] = [Heading("Answer"), *[Paragraph(p) for p in paragraphs[:2]]]
    if results is not None and not results.contrasts.empty:
        blocks.append(Table(_rounded(verdict_table(results)), "contrasts.csv",
                            f"Verdict table: task x distance x condition, primary first; estimates per {STEP} of "
                            "distance with 95% CIs (kind named in 'interval'); secondaries judged on "
                            f"{CORRECTION_NAMES[results.settings.correction]}-adjusted p; numbers as in the text."))  # fmt: skip
    blocks += [Paragraph(p) for p in paragraphs[2:]]
    return blocks


CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Two decimals, as the answer's text writes them (the CSV keeps full precision)."""
    numbers = ["estimate", "ci_low", "ci_high", "level_change", "distant_delta"]
    return table.assign(**{c: table[c].astype(float).round(2) for c in numbers if c in table})


def source_sections(results: AnalysisResults) -> list[Block]:
    """The paired change model's estimates and the in-language effects."""
    ref = results.frame.reference
    main = results.distances.main_kinds()
    effects = results.source_effects
    return [
        Heading("Distance to the intermediate source (paired change model)"),
        Paragraph(f"Per language, delta = score(condition) - score({BASELINE}) on the same items (signed so that "
                  f"positive = better, on the {results.settings.dependent} scale); per condition with a non-{ref} "
                  f"source: {DELTA_FORMULA}, pooled over those conditions with one intercept each. estimate = the "
                  f"coefficient on d(L, src) per {STEP} of distance (negative: closer to the source gains more); "
                  f"d_en_estimate = the coefficient on d(L, {ref}). A condition's own source languages are left "
                  "out and shown below; 'mean' rows use the mean instead of the nearest source distance "
                  "(sensitivity). corr_en_src: how collinear the two distances are."),
        Table(effects[effects["kind"].isin(main)], "source_effects.csv", "Main distance kinds (all in the CSV)."),
        Heading("In-language effect (the source language itself)", 3),
        Table(results.in_language, "in_language.csv"),
        *_association_blocks(results),
    ]  # fmt: skip


def _association_blocks(results: AnalysisResults) -> list[Block]:
    if results.associations.empty:
        return []
    return [
        Heading("Covariates of the paired change model", 3),
        Paragraph("Coefficients of the optional covariates (shared_script: 1 = written in a source's script; "
                  "fertility: pieces per word), with d(L, en) and d(L, src) in the model. The change is associated "
                  "with a covariate, not caused by it: neither was assigned."),
        Table(results.associations, "covariate_associations.csv"),
    ]  # fmt: skip


def evidence_sections(results: AnalysisResults, tables: dict[str, pd.DataFrame]) -> list[Block]:
    """Per-language scores, distances, slopes, mitigation, paired comparisons, the paper tables."""
    ref = results.frame.reference
    slopes = tables["slopes"]
    blocks: list[Block] = [
        Heading("Per-language scores"),
        Paragraph("Mean over seeds of each task's score (the metric named in Setup) per language and condition."),
        Table(per_language_wide(tables["scores"]).round(3), "scores.csv"),
        Heading("Distances used"),
        Paragraph(f"Distances ({results.distances.measure}) of each evaluated language to {ref} and to every "
                  "intermediate source language that is not the reference; a dash is a missing distance."),
        Table(tables["distances"].round(4), "distances.csv"),
        Heading("Slopes of the dependent variable on distance"),
        Paragraph(f"Per condition: {SLOPE_FORMULA} on the language means over runs; slope per {STEP} of distance "
                  "with its 95% CI (interval: 'runs+languages' or 'languages only'); ols_* = the cluster-robust "
                  f"OLS cross-check per {STEP}. distance_to '{ref}' is the transfer source of the target task; "
                  "'nearest source' is the intermediate source language(s) of the condition (left out of it)."),
        Table(slopes[slopes["kind"].isin(results.distances.main_kinds())], "slopes.csv",
              "Main distance kinds (all kinds in slopes.csv)."),
        Heading("Mitigation estimates"),
        Paragraph(f"mitigation = slope(condition) - slope({BASELINE}) per {STEP} of distance, signed so that a "
                  "positive value means the condition loses less per 0.1 of distance than no intermediate "
                  "training; 95% CI over runs and languages (interval). Beside it the level changes: "
                  "level_change over all languages, near_delta / distant_delta in the nearest / most distant "
                  f"third (condition - {BASELINE}, positive = better). ols_p = the pooled {POOLED_FORMULA} "
                  "interaction's cluster-robust p (cross-check)."),
        Table(tables["mitigation"], "mitigation.csv"),
        *source_sections(results),
        Heading("Paired comparisons with no intermediate training"),
        Paragraph("Per language: mean over seeds of condition minus none; across languages: mean, t 95% CI, "
                  "t-test and Wilcoxon signed-rank p. n_better/n_worse count languages by the metric's direction."),
        Table(tables["paired"], "paired.csv"),
        Heading("Delta matrix (condition x target task)"),
        Paragraph("Mean over languages of the seed-mean score change vs none; n = languages per cell."),
        Table(delta_matrix_wide(tables["delta_matrix"]), "delta_matrix.csv"),
        Heading("XTREME-style average"),
        Paragraph("Per task the mean over languages (including the reference) of the seed-mean score, a QA task "
                  "counting by (mean exact match + mean F1) / 2 as in XTREME's evaluate.py; then the mean over "
                  "tasks; compare rows only with the same n_tasks."),
        Table(tables["xtreme_average"].round(3), "xtreme_average.csv"),
    ]  # fmt: skip
    if "family_breakdown" in tables:
        blocks += [
            Heading("Per-family breakdown"),
            Table(tables["family_breakdown"].round(3), "family_breakdown.csv"),
        ]
    return blocks


def exclusion_section(results: AnalysisResults, heatmap_dropped: list[str]) -> list[Block]:
    blocks: list[Block] = [Heading("Excluded languages and skipped estimates")]
    if bool(results.rows["is_reference"].fillna(False).astype(bool).any()):
        blocks.append(Paragraph(f"The reference language {results.frame.reference} is not a point of the gap "
                                "regressions: its gap is 0 by definition."))  # fmt: skip
    if results.excluded.empty:
        blocks.append(Paragraph("No language was excluded."))
    else:
        blocks.append(Table(_grouped_exclusions(results.excluded), "excluded.csv",
                            "Languages left out of an analysis, with the reason (one row per language in the CSV)."))  # fmt: skip
    if not results.skipped.empty:
        blocks.append(
            Table(_grouped_skips(results.skipped), "skipped.csv", "Estimates that could not be made.")
        )
    if heatmap_dropped:
        blocks.append(
            Paragraph(f"Left out of the distance heatmap (a distance is missing): {_join(heatmap_dropped)}.")
        )
    return blocks


def _grouped_exclusions(excluded: pd.DataFrame) -> pd.DataFrame:
    """One line per (analysis, scope, reason) naming its languages: readable with hundreds of languages."""
    keys = ["analysis", "model", "condition", "target_task", "reason"]
    grouped = (
        excluded.groupby(keys, sort=True)["language"].agg(lambda codes: _join(set(codes), 40)).reset_index()
    )
    counts = excluded.groupby(keys, sort=True)["language"].nunique().reset_index(drop=True)
    grouped.insert(0, "n_languages", counts)
    return grouped[["n_languages", "language", *keys]].rename(columns={"language": "languages"})


def _grouped_skips(skipped: pd.DataFrame) -> pd.DataFrame:
    """One line per (kind, distance target, reason), naming the tasks and conditions it affects."""
    keys = ["model", "kind", "distance_to", "reason"]
    return (
        skipped.groupby(keys, sort=True)
        .agg(
            target_tasks=("target_task", lambda v: _join(set(v))),
            conditions=("condition", lambda v: _join(set(v))),
        )
        .reset_index()
    )


def figure_section(figures: dict[str, tuple[str, str]]) -> list[Block]:
    blocks: list[Block] = [Heading("Figures")]
    blocks += [Image(relative, caption) for relative, caption in figures.values()]
    return blocks


def methods_section(results: AnalysisResults) -> list[Block]:
    return [
        Heading("Models"),
        Code("\n".join([
            f"per condition, task, distance kind:  {SLOPE_FORMULA}",
            f"pooled per task, distance kind:      {POOLED_FORMULA}",
            "mitigation(X) = sign * coef[distance:C(condition)[T.X]],  sign = +1 if higher is better else -1",
            f"standard errors: cluster-robust by {results.cluster}, t with (clusters - 1) df",
            f"paired change model: {DELTA_FORMULA} (per source condition; pooled with condition intercepts)",
            f"intervals: t, variance = runs part (per-run refits) + languages part (B = {results.n_boot} "
            f"{results.cluster}-cluster resamples) - their shared language x run part; Satterthwaite df",
            f"dependent scale: {results.settings.dependent}; correction: {results.settings.correction}; "
            f"smallest effect of interest: ±{results.settings.sesoi:g} per {STEP} (TOST)",
            f"baseline condition: {BASELINE!r}",
        ])),
    ]  # fmt: skip
