"""``build_report``: from a results store to ``index.md`` / ``index.html``, CSV tables and PNG figures.

The steps are the modules of this package in order: select scores (:mod:`.frame`), fetch
distances (:mod:`.distances`), estimate (:mod:`.analyze`), write tables, draw figures, compose the
answer (:mod:`.answer`) and render the document (:mod:`.sections`, :mod:`.document`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from xstilts.analysis import document, heatmaps, layer_sweep, plots, sections, worldmap
from xstilts.analysis.analyze import AnalysisResults, analyze
from xstilts.analysis.answer import compose_answer
from xstilts.analysis.distances import DistanceProvider, default_provider, fetch_distances, pairwise
from xstilts.analysis.frame import build_frame, load_scores, select_scores
from xstilts.analysis.metadata import has_coordinates, language_info, normalise_meta, uriel_meta
from xstilts.analysis.tables import distances_table, per_language_scores
from xstilts.errors import ConfigError

PAIRWISE_HEATMAP_MAX = 60  # above this many languages the heatmap shows distance profiles instead
CLUSTER_UNITS = ("language", "family")


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
    n_boot: int = 1000,
    seed: int = 0,
    cluster: str | dict[str, str] = "language",
    split: str = "test",
) -> AnalysisResults:
    """Every estimate of the report, without writing anything (for notebooks and tests).

    With the default (URIEL) distance provider and no ``language_meta``, families and coordinates
    come from URIEL as well; with an injected provider only the language registry is used.
    """
    units = cluster.values() if isinstance(cluster, dict) else [cluster]
    for unit in units:
        if unit not in CLUSTER_UNITS:
            raise ConfigError(f"unknown cluster unit {unit!r}", fix=f"use one of: {', '.join(CLUSTER_UNITS)}")
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1, got {n_boot}", fix="use e.g. 1000")
    provider = distance_provider or default_provider
    scores, runs = load_scores(store_path, experiment)
    frame = build_frame(select_scores(scores, runs, metric=metric, split=split), reference)
    languages = sorted(frame.rows["language"].unique())
    sources = {s.strip() for text in frame.rows["sources"] for s in str(text).split(",") if s.strip()}
    distances = fetch_distances(provider, languages, reference, sources)
    if language_meta is None and distance_provider is None:
        language_meta = uriel_meta(languages)  # same source as the distances
    info = language_info(languages, normalise_meta(language_meta))
    return analyze(frame, distances, info, cluster=cluster, n_boot=n_boot, seed=seed)


def build_report(
    store_path: str | Path,
    experiment: str,
    out_dir: str | Path,
    *,
    distance_provider: DistanceProvider | None = None,
    **options: Any,
) -> ReportSummary:
    """Analyse ``experiment`` in the store and write the report into ``out_dir``.

    ``options`` are :func:`analyse_store`'s (reference, language_meta, metric, n_boot, seed,
    cluster, split): the report shows exactly what the notebook API computes.
    """
    provider = distance_provider or default_provider
    results = analyse_store(store_path, experiment, distance_provider=distance_provider, **options)
    out_dir = Path(out_dir)
    languages = sorted(results.rows["language"].unique())
    tables = _tables(results, languages)
    table_paths = _write_tables(tables, out_dir)
    figures, heatmap_dropped = _draw_figures(results, tables["scores"], provider, languages, out_dir)
    figures.update(layer_sweep.sweep_figures(load_scores(store_path, experiment)[0], out_dir))
    answer = compose_answer(results)

    blocks = [
        *sections.setup_section(results, experiment, str(store_path)),
        *sections.answer_section(answer),
        *sections.evidence_sections(results, tables),
        *sections.exclusion_section(results, heatmap_dropped),
        *sections.figure_section(figures),
        *sections.methods_section(results),
    ]
    index_md, index_html = document.write(out_dir, f"xstilts report: {experiment}", blocks)
    figure_paths = {name: out_dir / relative for name, (relative, _) in figures.items()}
    return ReportSummary(answer, index_md, index_html, table_paths, figure_paths, results)


def _tables(results: AnalysisResults, languages: list[str]) -> dict[str, pd.DataFrame]:
    tables = {
        "scores": per_language_scores(results.rows, results.info),
        "distances": distances_table(results.distances, languages, results.info),
        "slopes": results.slopes,
        "mitigation": results.mitigation,
        "paired": results.paired,
        "delta_matrix": results.deltas,
        "xtreme_average": results.xtreme,
        "excluded": results.excluded,
        "skipped": results.skipped,
        "analysis_rows": results.rows,
    }
    if not results.family.empty:
        tables["family_breakdown"] = results.family
    return tables


def _write_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, table in tables.items():
        paths[name] = out_dir / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


def _draw_figures(
    results: AnalysisResults,
    scores: pd.DataFrame,
    provider: DistanceProvider,
    languages: list[str],
    out_dir: Path,
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Every figure as name -> (path relative to the report, caption)."""
    figure_dir = out_dir / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    for stale in figure_dir.glob("*.png"):  # the folder is ours: old figures must not linger in a new report
        stale.unlink()
    figures: dict[str, tuple[str, str]] = {}

    def add(name: str, path: Path | None, caption: str) -> None:
        if path is not None:
            figures[name] = (path.relative_to(out_dir).as_posix(), caption)

    reference = results.frame.reference
    kinds = results.distances.main_kinds()
    order = list(results.distances.to_reference.sort_values(kinds[0]).index) if kinds else languages
    for (model, task), _ in results.rows.groupby(["model", "target_task"], sort=True):
        model, task = str(model), str(task)
        dependent = results.frame.dependent_by_task[task]
        for kind in kinds:
            name = plots.slug("scatter", model, task, kind)
            path = plots.scatter_with_fits(results.rows, results.fits, model, task, kind, reference,
                                           figure_dir / f"{name}.png")  # fmt: skip
            add(name, path, f"{task}: {dependent} vs {kind} distance to {reference}, per condition, OLS fit and "
                            "95% CI band (points: language means over seeds).")  # fmt: skip
        name = plots.slug("bars", model, task)
        add(name, plots.language_bars(scores, order, model, task, figure_dir / f"{name}.png"),
            f"{task}: score per language and condition (languages ordered by {kinds[0]} distance).")  # fmt: skip
        if has_coordinates(results.info):
            name = plots.slug("worldmap", model, task)
            add(name, worldmap.world_map(results.rows, results.info, model, task, figure_dir / f"{name}.png"),
                f"{task}: score change vs none at each language's coordinates.")  # fmt: skip
    for model in sorted(results.deltas["model"].unique()):
        name = plots.slug("delta_heatmap", str(model))
        add(name, heatmaps.delta_heatmap(results.deltas, str(model), figure_dir / f"{name}.png"),
            "Mean score change vs no intermediate training per condition and task.")  # fmt: skip
    for model in sorted(results.mitigation["model"].unique()):
        name = plots.slug("mitigation", str(model))
        add(name, plots.mitigation_forest(results.mitigation, str(model), figure_dir / f"{name}.png"),
            "Mitigation estimates with bootstrap 95% CIs (positive = flatter decline than none).")  # fmt: skip
    dropped = _distance_heatmap(results, provider, languages, figure_dir, add)
    return figures, dropped


def _distance_heatmap(results: AnalysisResults, provider: DistanceProvider, languages: list[str],
                      figure_dir: Path, add) -> list[str]:  # fmt: skip
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
