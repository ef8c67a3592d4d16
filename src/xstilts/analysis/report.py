"""``build_report``: from a results store to ``index.md`` / ``index.html``, CSV tables and figures.

The steps are the modules of this package in order: select scores (:mod:`.frame`), fetch
distances (:mod:`.distances`), estimate (:mod:`.analyze`), write tables, draw figures (PNG, SVG and
PDF), compose the answer (:mod:`.answer`) and render the document (:mod:`.sections`,
:mod:`.document`). The page is ordered for a reader with a minute: the answer, then the headline
figures, then setup and the long tables (folded), then the remaining figures, the model formulas
and the full provenance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from xstilts.analysis import dev_curves, document, heatmaps, layer_sweep, plots, sections, worldmap
from xstilts.analysis.analyze import AnalysisResults, AnswerSettings, analyze
from xstilts.analysis.answer import compose_answer
from xstilts.analysis.distances import DistanceProvider, default_provider, fetch_distances, pairwise
from xstilts.analysis.document import Block, Code, Heading, Image, Paragraph, Table, format_cell
from xstilts.analysis.frame import build_frame, load_scores, select_scores
from xstilts.analysis.metadata import has_coordinates, language_info, normalise_meta, uriel_meta
from xstilts.analysis.tables import distances_table, per_language_scores
from xstilts.errors import ConfigError

PAIRWISE_HEATMAP_MAX = 60  # above this many languages the heatmap shows distance profiles instead
CLUSTER_UNITS = ("language", "family")
# Per table (by its CSV): which (prefix_low, prefix_high) column pairs are which kind of interval.
RUN_LEVEL_CI = "95% CI, kind in the interval column"
INTERVALS = {
    "slopes.csv": {"ci": RUN_LEVEL_CI, "ols": plots.ROBUST_CI},
    "mitigation.csv": {"ci": RUN_LEVEL_CI},
    "contrasts.csv": {"ci": RUN_LEVEL_CI},
    "source_effects.csv": {"ci": RUN_LEVEL_CI},
    "paired.csv": {"ci": "95% CI, t over languages"},
}


@dataclass
class ReportSummary:
    """Where the report went and what it concluded."""

    answer: str
    index_md: Path
    index_html: Path
    tables: dict[str, Path] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    results: AnalysisResults | None = None


def analyse_store(
    store_path: str | Path,
    experiment: str,
    *,
    reference: str = "en",
    distance_provider: DistanceProvider | None = None,
    language_meta: pd.DataFrame | None = None,
    metric: str | None = None,
    variant: str = "",
    direction: str = "",
    n_boot: int = 1000,
    seed: int = 0,
    cluster: str | dict[str, str] = "language",
    split: str = "test",
    job_ids: list[str] | None = None,
    dependent: str = "raw",
    chance: dict[str, float] | None = None,
    primary: dict | None = None,
    sesoi: float = 1.0,
    correction: str = "holm",
    covariates: tuple[str, ...] | list[str] = (),
    fertility: str | Path | None = None,
) -> AnalysisResults:
    """Every estimate of the report, without writing anything (for notebooks and tests).

    With the default (URIEL) distance provider and no ``language_meta``, families and coordinates
    come from URIEL as well; with an injected provider only the language registry is used.
    """
    units = cluster.values() if isinstance(cluster, dict) else [cluster]
    for unit in units:
        if unit not in CLUSTER_UNITS:
            raise ConfigError(f"unknown cluster unit {unit!r}", fix=f"use one of: {', '.join(CLUSTER_UNITS)}")
    _check_study_design(dependent, correction, sesoi)
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1, got {n_boot}", fix="use e.g. 1000")
    provider = distance_provider or default_provider
    scores, runs = load_scores(store_path, experiment, job_ids)
    selection = select_scores(scores, runs, metric=metric, split=split, variant=variant, direction=direction)
    frame = build_frame(selection, reference)
    languages = sorted(frame.rows["language"].unique())
    sources = {s.strip() for text in frame.rows["sources"] for s in str(text).split(",") if s.strip()}
    distances = fetch_distances(provider, languages, reference, sources)
    if language_meta is None and distance_provider is None:
        language_meta = uriel_meta(languages)  # same source as the distances
    info = language_info(languages, normalise_meta(language_meta))
    from xstilts.analysis import covariates as covariate_module

    answer = AnswerSettings(
        dependent, dict(chance or {}), primary, bool(primary), sesoi, correction, covariate_module.check(covariates),
        covariate_module.read_fertility(fertility) if fertility is not None else None,
    )  # fmt: skip
    if "fertility" in answer.covariates and answer.fertility is None:
        raise ConfigError(
            "the fertility covariate needs its table", fix="set report.fertility_file (xstilts fertility)"
        )
    return analyze(frame, distances, info, cluster=cluster, n_boot=n_boot, seed=seed, answer=answer)


def _check_study_design(dependent: str, correction: str, sesoi: float) -> None:
    from xstilts.analysis.outcome import DEPENDENTS
    from xstilts.analysis.verdicts import CORRECTIONS

    if dependent not in DEPENDENTS:
        raise ConfigError(
            f"unknown dependent scale {dependent!r}", fix=f"use one of: {', '.join(DEPENDENTS)}"
        )
    if correction not in CORRECTIONS:
        raise ConfigError(f"unknown correction {correction!r}", fix=f"use one of: {', '.join(CORRECTIONS)}")
    if not sesoi > 0:
        raise ConfigError(
            f"the smallest effect of interest must be positive, got {sesoi}", fix="e.g. sesoi: 1.0"
        )


def build_report(
    store_path: str | Path,
    experiment: str,
    out_dir: str | Path,
    *,
    distance_provider: DistanceProvider | None = None,
    notices: list[str] | None = None,
    **options: Any,
) -> ReportSummary:
    """Analyse ``experiment`` in the store and write the report into ``out_dir``.

    ``options`` are :func:`analyse_store`'s (reference, language_meta, metric, variant, direction, n_boot, seed,
    cluster, split, job_ids, dependent, chance, primary, sesoi, correction, covariates,
    fertility): the report shows exactly what the notebook API computes. ``notices`` come first
    in the document (e.g. "12 of 46 jobs done; estimates are partial", the config hash).
    """
    provider = distance_provider or default_provider
    results = analyse_store(store_path, experiment, distance_provider=distance_provider, **options)
    out_dir = Path(out_dir)
    languages = sorted(results.rows["language"].unique())
    tables = _tables(results, languages)
    table_paths = _write_tables(tables, out_dir)
    figures, headline_names, heatmap_dropped = _draw_figures(
        results, tables["scores"], provider, languages, out_dir
    )
    protocol_figures, learning_rate_blocks = _protocol_figures(
        store_path, experiment, options.get("job_ids"), out_dir
    )
    figures.update(protocol_figures)
    answer = compose_answer(results)

    headline = {name: figures.pop(name) for name in list(figures) if name in headline_names}
    blocks = [
        *(document.Paragraph(text) for text in notices or []),
        _at_a_glance(results, experiment),
        *[_unfolded(block) for block in sections.answer_section(answer, results)],
        *_figure_blocks("Headline figures", headline),
        *sections.setup_section(results, experiment, str(store_path)),
        *sections.evidence_sections(results, tables),
        *sections.exclusion_section(results, heatmap_dropped),
        *sections.figure_section(figures),
        *learning_rate_blocks,
        *sections.methods_section(results),
        *_provenance_section(results, out_dir),
    ]
    blocks = [_labelled(block) for block in blocks]
    figures = {**headline, **figures}
    index_md, index_html = document.write(out_dir, f"xstilts report: {experiment}", blocks)
    figure_paths = {name: out_dir / relative for name, (relative, _) in figures.items()}
    return ReportSummary(answer, index_md, index_html, table_paths, figure_paths, results)


def _tables(results: AnalysisResults, languages: list[str]) -> dict[str, pd.DataFrame]:
    tables = {
        "scores": per_language_scores(results.rows, results.info),
        "distances": distances_table(results.distances, languages, results.info),
        "slopes": results.slopes,
        "mitigation": results.mitigation,
        "contrasts": results.contrasts,
        "source_effects": results.source_effects,
        "in_language": results.in_language,
        "paired": results.paired,
        "delta_matrix": results.deltas,
        "xtreme_average": results.xtreme,
        "excluded": results.excluded,
        "skipped": results.skipped,
        "analysis_rows": results.rows,
    }
    if not results.family.empty:
        tables["family_breakdown"] = results.family
    if not results.associations.empty:
        tables["covariate_associations"] = results.associations
    return tables


def _write_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, table in tables.items():
        paths[name] = out_dir / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


FigureAdder = Callable[..., None]  # add(name, path, caption, headline=False)


def _protocol_figures(
    store_path, experiment: str, job_ids, out_dir: Path
) -> tuple[dict[str, tuple[str, str]], list[document.Block]]:
    """The layer sweep and the dev curves of this config's jobs (training jobs by config hash),
    and the learning rates picked on dev (a table and ``learning_rates.csv``) where any were."""
    from xstilts.pipeline.store import ResultsStore

    scores, _ = load_scores(store_path, experiment, job_ids)
    hashes = {json.loads(text).get("config_hash") for text in scores["provenance_json"]} - {None}
    jobs = ResultsStore(store_path, readonly=True).jobs_frame(experiment)
    figures = {
        **layer_sweep.sweep_figures(scores, out_dir),
        **dev_curves.curve_figures(jobs, hashes or None, out_dir),
    }
    return figures, _learning_rate_blocks(dev_curves.selection_table(jobs, hashes or None), out_dir)


def _learning_rate_blocks(candidates: pd.DataFrame, out_dir: Path) -> list[document.Block]:
    """Which declared rate each phase picked on dev, how often, at what dev score."""
    if candidates.empty:
        return []
    candidates.to_csv(out_dir / "learning_rates.csv", index=False)
    summary = dev_curves.selection_summary(candidates)
    summary["mean_best_dev"] = summary["mean_best_dev"].round(2)
    return [
        document.Heading("Learning rates picked on dev", 2),
        document.Paragraph(
            "Each training job trained once per declared learning rate from the same start and kept the "
            "run with the best dev score (test sets unseen). `chosen` counts the runs each rate won; a "
            "rate winning at the edge of the set says the set was too narrow. Every candidate of every "
            "run: learning_rates.csv."
        ),
        document.Table(summary, "learning_rates.csv"),
    ]


def _draw_figures(
    results: AnalysisResults,
    scores: pd.DataFrame,
    provider: DistanceProvider,
    languages: list[str],
    out_dir: Path,
) -> tuple[dict[str, tuple[str, str]], set[str], list[str]]:
    """Every figure as name -> (PNG path relative to the report, caption), the headline names, and
    the languages the distance heatmap left out."""
    figure_dir = out_dir / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    for fmt in plots.FORMATS:  # the folder is ours: old figures must not linger in a new report
        for stale in figure_dir.glob(f"*.{fmt}"):
            stale.unlink()
    figures: dict[str, tuple[str, str]] = {}
    headline: set[str] = set()

    def add(name: str, path: Path | None, caption: str, headline_figure: bool = False) -> None:
        if path is not None:
            figures[name] = (path.relative_to(out_dir).as_posix(), caption)
            if headline_figure:
                headline.add(name)

    for model in sorted(results.mitigation["model"].unique()):
        name = plots.slug("mitigation", str(model))
        kinds = results.distances.main_kinds()
        add(name, plots.mitigation_forest(results.mitigation, str(model), figure_dir / f"{name}.png", kinds),
            f"Mitigation estimates on {', '.join(kinds)} distance (slope difference vs none, per 0.1 of distance) "
            "with 95% CIs (kind in the title); positive = flatter decline than none. Every kind: mitigation.csv.",
            True)  # fmt: skip
    for (model, task), _ in results.rows.groupby(["model", "target_task"], sort=True):
        _task_figures(results, scores, str(model), str(task), languages, figure_dir, add)
    for model in sorted(results.deltas["model"].unique()):
        name = plots.slug("delta_heatmap", str(model))
        add(name, heatmaps.delta_heatmap(results.deltas, str(model), figure_dir / f"{name}.png"),
            "Mean score change vs no intermediate training per condition and task.")  # fmt: skip
    dropped = _distance_heatmap(results, provider, languages, figure_dir, add)
    return figures, headline, dropped


def _task_figures(results: AnalysisResults, scores: pd.DataFrame, model: str, task: str, languages: list[str],
                  figure_dir: Path, add: FigureAdder) -> None:  # fmt: skip
    """Per (model, task): paired changes and fits on the first distance kind (headline), then the rest."""
    reference = results.frame.reference
    kinds = results.distances.main_kinds()
    order = list(results.distances.to_reference.sort_values(kinds[0]).index) if kinds else languages
    dependent = results.frame.dependent_by_task[task]
    if kinds:
        name = plots.slug("paired", model, task, kinds[0])
        path = plots.paired_changes(results.rows, results.paired, model, task, kinds[0], reference,
                                    figure_dir / f"{name}.png")  # fmt: skip
        add(name, path, f"{task}: each language's change vs none (same items, seed means) against {kinds[0]} "
                        f"distance to {reference}; line and band = mean change and its t 95% CI.", True)  # fmt: skip
    for index, kind in enumerate(kinds):
        name = plots.slug("scatter", model, task, kind)
        path = plots.scatter_with_fits(results.rows, results.fits, model, task, kind, reference,
                                       figure_dir / f"{name}.png", slope_legend(results, model, task, kind))  # fmt: skip
        add(name, path, f"{task}: {dependent} vs {kind} distance to {reference}, one panel per condition: "
                        "language means over seeds, OLS fit and its 95% band; panel titles: slope per 0.1 of "
                        "distance with the report's 95% CI and its kind; dashed = no intermediate training.",
            index == 0)  # fmt: skip
    name = plots.slug("bars", model, task)
    add(name, plots.language_bars(scores, order, model, task, figure_dir / f"{name}.png"),
        f"{task}: score per language and condition (languages ordered by {kinds[0] if kinds else 'code'} "
        "distance, nearest first).")  # fmt: skip
    if has_coordinates(results.info):
        name = plots.slug("worldmap", model, task)
        add(name, worldmap.world_map(results.rows, results.info, model, task, figure_dir / f"{name}.png"),
            f"{task}: score change vs none at each language's coordinates (GSHHS coastlines).")  # fmt: skip


def _figure_blocks(title: str, figures: dict[str, tuple[str, str]]) -> list[Block]:
    if not figures:
        return []
    return [Heading(title), *[Image(relative, caption) for relative, caption in figures.values()]]


def _at_a_glance(results: AnalysisResults, experiment: str) -> Paragraph:
    """One line above the answer: what the numbers rest on (details follow in Setup)."""
    rows = results.rows
    return Paragraph(
        f"{experiment}: {rows['target_task'].nunique()} target task(s), {rows['condition'].nunique()} conditions, "
        f"{rows['language'].nunique()} languages, {rows['seed'].nunique()} seed(s), model(s) "
        f"{', '.join(sorted(map(str, rows['model'].unique())))}; transfer source {results.frame.reference}. "
        "Details in Setup; every table is also a CSV file next to this page."
    )


def _unfolded(block: Block) -> Block:
    """Tables of the answer (e.g. a verdict table) stay open whatever their length, unless told otherwise."""
    return replace(block, collapsed=False) if isinstance(block, Table) and block.collapsed is None else block


def _labelled(block: Block) -> Block:
    """Name each interval by its kind and each estimate by its unit (display only; CSVs keep raw columns)."""
    if isinstance(block, Image) and block.path.endswith(".png"):
        stem = block.path[: -len(".png")]
        return replace(block, formats=tuple(f"{stem}.{fmt}" for fmt in plots.FORMATS if fmt != "png"))
    if not isinstance(block, Table) or block.csv not in INTERVALS:
        return block
    frame = block.frame.copy()
    for prefix, label in INTERVALS[block.csv].items():
        low, high = f"{prefix}_low", f"{prefix}_high"
        if {low, high} <= set(frame.columns):
            cells = [
                f"[{format_cell(a)}, {format_cell(b)}]" for a, b in zip(frame[low], frame[high], strict=True)
            ]
            frame.insert(frame.columns.get_loc(low), label, cells)
            frame = frame.drop(columns=[low, high])
    unit = _unit_column(frame)
    if unit is not None:
        estimate = next(c for c in ("slope", "mitigation", "mean_delta") if c in frame.columns)
        frame.insert(frame.columns.get_loc(estimate) + 1, "unit", unit)
    return replace(block, frame=frame)


def _unit_column(frame: pd.DataFrame) -> list[str] | None:
    """Per row what the estimate's number means, or None for a table without a known estimate.

    A mitigation is a difference of two slopes, so it has a slope's unit.
    """
    if "metric" not in frame.columns:
        return None
    metrics = frame["metric"].astype(str)
    if "mean_delta" in frame.columns:
        return [f"{metric}, condition − none" for metric in metrics]
    if "kind" not in frame.columns or not ({"slope", "mitigation"} & set(frame.columns)):
        return None
    dependents = (
        frame["dependent"].astype(str) if "dependent" in frame.columns else pd.Series("score", frame.index)
    )
    return [plots.slope_unit(d, m, k) for d, m, k in zip(dependents, metrics, frame["kind"], strict=True)]


def _strict_json(value: Any) -> Any:
    """NaN and infinities as null: Python writes them, but they are not JSON and browsers reject them."""
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _provenance_section(results: AnalysisResults, out_dir: Path) -> list[Block]:
    """Every run and every distinct score-provenance record, as full JSON (folded) and provenance.json."""
    selection = results.frame.selection
    runs = []
    for run in selection.runs.to_dict("records"):
        config = run.pop("config_json", None)
        try:
            run["config"] = json.loads(config) if config else None
        except json.JSONDecodeError:
            run["config"] = config
        runs.append(run)
    counts = selection.scores["provenance_json"].dropna().value_counts(sort=False)
    records = []
    for text, count in counts.items():
        try:
            records.append({"n_scores": int(count), "provenance": json.loads(text)})
        except json.JSONDecodeError:
            records.append({"n_scores": int(count), "provenance": text})
    strict = _strict_json({"runs": runs, "score_provenance": records})
    text = json.dumps(strict, indent=2, sort_keys=True, default=str, allow_nan=False)
    (out_dir / "provenance.json").write_text(text + "\n", encoding="utf-8")
    return [
        Heading("Provenance"),
        Paragraph(
            f"{len(runs)} run(s) and {len(records)} distinct score-provenance record(s), in full below and "
            "in provenance.json next to this page."
        ),
        Code(text, summary="Full provenance (JSON)"),
    ]


def slope_legend(results: AnalysisResults, model: str, task: str, kind: str) -> dict[str, str]:
    """Condition -> "name: slope per 0.1 +x.xx (95% CI, kind: a to b)", exactly as the tables say."""
    from xstilts.analysis.answer import interval_text, number

    s = results.slopes
    rows = s[(s["model"] == model) & (s["target_task"] == task) & (s["kind"] == kind)
             & (s["distance_to"] == results.frame.reference)]  # fmt: skip
    return {str(r.condition): f"{r.condition}: {number(r.slope)} per 0.1 ({interval_text(r.ci_low, r.ci_high, r.interval)})"
            for r in rows.itertuples(index=False)}  # fmt: skip


def _distance_heatmap(results: AnalysisResults, provider: DistanceProvider, languages: list[str],
                      figure_dir: Path, add: FigureAdder) -> list[str]:  # fmt: skip
    kind = results.distances.main_kinds()[0]
    if len(languages) <= PAIRWISE_HEATMAP_MAX:
        matrix = pairwise(provider, languages, kind)
        path, dropped = heatmaps.distance_heatmap(matrix, kind, figure_dir / "distance_heatmap.png")
        add("distance_heatmap", path, f"Pairwise {kind} distance among the evaluated languages, clustered.")
    else:
        path, dropped = heatmaps.distance_profile_heatmap(
            results.distances.to_reference, results.frame.reference, figure_dir / "distance_heatmap.png"
        )
        add(
            "distance_heatmap",
            path,
            "Distance of each evaluated language to the reference per kind, clustered.",
        )
    return dropped
