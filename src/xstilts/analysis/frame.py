"""Scores -> the analysis frame: one row per (model, condition, target task, language, seed).

The dependent variable is named explicitly per task, because two kinds of task reach this point:

- tasks evaluated in English too (XNLI, PAWS-X, PAN-X, ...): the dependent variable is the **gap**,
  ``score(language) - score(reference)`` for the same model, condition, task and seed. Pairing by
  seed keeps run-to-run noise of the English fine-tuning out of the gap. Where the evaluation also
  scored the reference language on exactly that language's items (parallel test sets: the main
  metric's rows with ``reference`` = en), that score is the reference: languages covering
  different parts of a parallel pool then differ only in language, not in which items (and
  class mix) they got.
- tasks without an English evaluation row (retrieval en<->X such as Tatoeba or UDHR): there is no
  English score to subtract, so the **score** itself is the dependent variable.

The reference language's own rows keep their score (tables use them) but have no dependent value:
its gap is 0 by definition and would pin every regression line to the origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from xstilts.errors import ConfigError, MissingResourceError, UnknownNameError, XstiltsError
from xstilts.pipeline.store import ResultsStore
from xstilts.tasks.metrics.keys import QUALIFIERS, MetricKey

BASELINE = "none"
KEY = ["model", "condition", "target_task", "language", "seed"]
EXCLUSION_COLUMNS = ["language", "model", "condition", "target_task", "analysis", "reason"]


@dataclass
class ScoreSelection:
    """The rows of one metric per task on one split, with what was chosen and why."""

    scores: pd.DataFrame
    split: str
    metric_by_task: dict[str, str]
    higher_is_better: dict[str, bool]
    runs: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    same_items: pd.DataFrame = field(default_factory=pd.DataFrame)  # rows with a ``reference``
    # QA tasks: the rows of the chosen metric's EM/F1 partner, for XTREME's (EM + F1) / 2 average
    qa_partners: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the full key of each task's chosen rows (metric_by_task holds its registered metric name)
    key_by_task: dict[str, MetricKey] = field(default_factory=dict)


@dataclass
class AnalysisFrame:
    """The per-(model, condition, task, language, seed) rows the models are fitted on."""

    rows: pd.DataFrame
    reference: str
    dependent_by_task: dict[str, str]  # task -> "gap" | "score"
    selection: ScoreSelection
    excluded: pd.DataFrame

    @property
    def tasks(self) -> list[str]:
        return sorted(self.dependent_by_task)


def load_scores(
    store_path: str | Path, experiment: str, job_ids: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The score rows (of ``job_ids`` only, when given) and run rows of ``experiment``.

    ``job_ids`` are one config's evaluate jobs: a store also holds rows of earlier variants of
    the experiment, which must not mix with the config asked about. Read-only: a store on
    read-only media is reported as it is. A one-line error when there are no rows.
    """
    path = Path(store_path)
    if not path.is_file():
        # ResultsStore would silently create an empty database here; a typo deserves an error.
        raise MissingResourceError(
            "no results store at this path",
            file=path,
            fix="run the experiment first or pass the right --store",
        )
    store = ResultsStore(path, readonly=True)
    scores = store.scores_frame(experiment)
    if job_ids is not None and not scores.empty:
        scores = scores[scores["job_id"].isin(set(job_ids))].reset_index(drop=True)
        if scores.empty:
            raise XstiltsError(
                f"none of this config's {len(job_ids)} evaluation jobs has scores in the store yet "
                "(its rows are of other configs)",
                file=path,
                fix="run this config first, or see the other configs with `xstilts results EXP --all-configs`",
            )
    if scores.empty:
        known = store.experiments()
        jobs = store.jobs_frame(experiment)
        if not jobs.empty:
            raise XstiltsError(
                f"experiment {experiment!r} has {len(jobs)} recorded jobs but no scores yet",
                file=path,
                fix="let its evaluation jobs finish, then report again",
            )
        if not known:
            raise XstiltsError("the store holds no scores at all", file=path, fix="run an experiment first")
        raise UnknownNameError("experiment", experiment, known, file=path)
    return scores, store.runs_frame(experiment)


def select_scores(
    scores: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    metric: str | None = None,
    split: str = "test",
    variant: str = "",
    direction: str = "",
) -> ScoreSelection:
    """Keep one metric per task on ``split``: its main metric, or ``metric`` (its plain score, or
    the ``variant``/``direction`` named; see :mod:`xstilts.tasks.metrics.keys`)."""
    notes: list[str] = []
    on_split = scores[scores["split"] == split]
    if on_split.empty:
        splits = sorted(scores["split"].unique())
        raise ConfigError(f"no scores on split {split!r}", fix=f"choose one of: {', '.join(splits)}")
    if metric is None:
        if variant or direction:
            raise ConfigError(
                "--variant and --direction qualify a metric, and none is named",
                fix="name the metric too, e.g. --metric retrieval_accuracy --variant last-layer",
            )
        chosen = on_split[on_split["is_main"] == 1]
        if chosen.empty:
            raise ConfigError(
                "no score is marked as a task's main metric", fix="name one with --metric"
            )  # pragma: no cover - the pipeline always marks one
    else:
        chosen = _rows_of(on_split, MetricKey(metric, variant, direction), notes)
    chosen, key_by_task = _one_metric_per_task(chosen, notes)
    chosen = _drop_duplicates(chosen, notes)
    higher = chosen.groupby("target_task")["higher_is_better"].first().astype(bool).to_dict()
    same_items = on_split[on_split["reference"] != ""]
    partners = _qa_partners(on_split, chosen, key_by_task, notes)
    metric_by_task = {task: key.metric for task, key in key_by_task.items()}
    return ScoreSelection(
        chosen.reset_index(drop=True), split, metric_by_task, higher, runs, notes, same_items, partners,
        key_by_task,
    )  # fmt: skip


def with_key(rows: pd.DataFrame, key: MetricKey) -> pd.DataFrame:
    """The rows of exactly ``key``: its metric, with its variant, direction and reference."""
    mask = rows["metric"] == key.metric
    for column in QUALIFIERS:
        mask &= rows[column] == getattr(key, column)
    return rows[mask]


def _rows_of(on_split: pd.DataFrame, key: MetricKey, notes: list[str]) -> pd.DataFrame:
    """The rows of a named metric (and qualifiers); one line naming what exists when none match."""
    if not (on_split["metric"] == key.metric).any():
        raise UnknownNameError("metric", key.metric, sorted(on_split["metric"].unique()))
    chosen = with_key(on_split, key)
    if chosen.empty:
        stored = on_split.loc[on_split["metric"] == key.metric, ["variant", "direction"]].drop_duplicates()
        known = sorted(MetricKey(key.metric, v, d).label for v, d in stored.itertuples(index=False))
        raise ConfigError(
            f"no {key.label} scores on this split",
            fix=f"choose one of {', '.join(known)} (the parentheses: --variant, --direction)",
        )
    missing = sorted(set(on_split["target_task"]) - set(chosen["target_task"]))
    if missing:
        notes.append(f"tasks without metric {key.label!r} are left out: {', '.join(missing)}")
    if not key.is_plain:
        notes.append(f"the scores analysed are {key.label}, not the plain {key.metric}")
    return chosen


def _qa_partners(
    on_split: pd.DataFrame, chosen: pd.DataFrame, key_by_task: dict[str, MetricKey], notes: list[str]
) -> pd.DataFrame:
    """For each QA task, its other metric (EM for F1 and back) on exactly the chosen rows' cells.

    XTREME reports a QA task by (mean EM + mean F1) / 2; a task whose partner metric does not
    cover every chosen cell (a store written before both were recorded) falls back to its chosen
    metric alone, and a note says so. The partner is read with the chosen rows' qualifiers.
    """
    from xstilts.tasks.metrics.aggregate import qa_metric_pair

    parts = []
    for task, key in sorted(key_by_task.items()):
        metric = key.metric
        pair = qa_metric_pair(metric)
        if pair is None:
            continue
        partner = pair[0] if metric == pair[1] else pair[1]
        rows = with_key(on_split[on_split["target_task"] == task], replace(key, metric=partner))
        rows = rows.sort_values("created_at").drop_duplicates(subset=KEY, keep="last")
        cells = chosen.loc[chosen["target_task"] == task, KEY]
        covered = cells.merge(rows[KEY], on=KEY, how="left", indicator=True)["_merge"].eq("both")
        if not bool(covered.all()):
            notes.append(f"task {task}: {partner} is missing for {int((~covered).sum())} of {len(cells)} "
                         f"score rows; its XTREME-style average uses {metric} alone")  # fmt: skip
            continue
        parts.append(rows.merge(cells, on=KEY))
    return pd.concat(parts, ignore_index=True) if parts else on_split.iloc[0:0]


def _one_metric_per_task(chosen: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, dict[str, MetricKey]]:
    key_by_task: dict[str, MetricKey] = {}
    keep = []
    for task, rows in chosen.groupby("target_task", sort=True):
        keys = sorted(
            {MetricKey(*(str(v) for v in k)) for k in rows[["metric", *QUALIFIERS]].itertuples(index=False)}
        )
        if len(keys) > 1:
            notes.append(f"task {task} marks several main metrics ({', '.join(k.label for k in keys)}); "
                         f"using {keys[0].label}")  # fmt: skip
        key_by_task[str(task)] = keys[0]
        keep.append(with_key(rows, keys[0]))
    return pd.concat(keep), key_by_task


def _drop_duplicates(chosen: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Two jobs may score the same cell (a re-run under a new job id): the newest one counts."""
    ordered = chosen.sort_values("created_at")
    deduplicated = ordered.drop_duplicates(subset=KEY, keep="last")
    dropped = len(ordered) - len(deduplicated)
    if dropped:
        notes.append(f"{dropped} score rows were superseded by newer rows for the same cell")
    return deduplicated


def canonical_codes(rows: pd.DataFrame, notes: list[str] | None = None) -> pd.DataFrame:
    """``language`` as one ISO 639-3 identity (:func:`xstilts.languages.canonical`), the task's own
    code kept in ``language_code``; ``sources`` mapped the same way.

    Two codes of one language in the same cell (``fi`` and ``fin`` for one task, condition and
    seed) are one measurement too many: the newest row counts, and a note says so.
    """
    from xstilts.languages import canonical

    rows = rows.copy()
    rows["language_code"] = rows["language"].astype(str)
    rows["language"] = rows["language_code"].map(canonical)
    rows["sources"] = [",".join(canonical(c.strip()) for c in str(s).split(",") if c.strip())
                       for s in rows["sources"].fillna("")]  # fmt: skip
    if "created_at" in rows.columns:
        rows = rows.sort_values("created_at")
    deduplicated = rows.drop_duplicates(subset=KEY, keep="last")
    if notes is not None and len(deduplicated) < len(rows):
        notes.append(f"{len(rows) - len(deduplicated)} score rows named a language already scored under another "
                     "code (ISO 639-1 and 639-3); the newest row counts")  # fmt: skip
    return deduplicated


def build_frame(selection: ScoreSelection, reference: str = "en") -> AnalysisFrame:
    """Attach the dependent variable (gap or score) to every selected score row."""
    from xstilts.languages import canonical

    reference = canonical(reference)
    scores = canonical_codes(selection.scores, selection.notes)
    rows = scores[
        [*KEY, "language_code", "sources", "intermediate", "metric", "higher_is_better", "value"]
    ].rename(columns={"value": "score"})
    rows["seed"] = rows["seed"].astype(int)
    rows["sources"] = rows["sources"].fillna("").astype(str)
    rows["higher_is_better"] = rows["higher_is_better"].astype(bool)
    dependent_by_task: dict[str, str] = {}
    parts = []
    exclusions: list[dict] = []
    for task, task_rows in rows.groupby("target_task", sort=True):
        has_reference = bool((task_rows["language"] == reference).any())
        dependent_by_task[str(task)] = "gap" if has_reference else "score"
        if has_reference:
            paired = _same_item_references(selection, str(task), reference)
            parts.append(_with_gap(task_rows, reference, exclusions, paired))
        else:
            parts.append(
                task_rows.assign(reference_score=np.nan, dependent=task_rows["score"], is_reference=False)
            )
    frame_rows = pd.concat(parts, ignore_index=True)
    frame_rows["dependent_name"] = frame_rows["target_task"].map(dependent_by_task)
    excluded = pd.DataFrame(exclusions, columns=EXCLUSION_COLUMNS)
    return AnalysisFrame(frame_rows, reference, dependent_by_task, selection, excluded)


def _same_item_references(selection: ScoreSelection, task: str, reference: str) -> pd.DataFrame:
    """Per (model, condition, seed, language): the reference language's score on the same items."""
    from xstilts.languages import canonical

    if selection.same_items.empty or task not in selection.key_by_task:
        return pd.DataFrame(columns=[*KEY, "paired_reference"])
    key = selection.key_by_task[task]
    same = canonical_codes(selection.same_items)
    measured = (
        (same["metric"] == key.metric)
        & (same["variant"] == key.variant)
        & (same["direction"] == key.direction)
    )
    # The evaluation names the reference as the task writes it (en); the analysis's is canonical.
    rows = same[(same["target_task"] == task) & measured & (same["reference"].map(canonical) == reference)]
    rows = rows.sort_values("created_at").drop_duplicates(subset=KEY, keep="last")
    out = rows[[*KEY, "value"]].rename(columns={"value": "paired_reference"})
    out["seed"] = out["seed"].astype(int)
    return out


def _with_gap(
    task_rows: pd.DataFrame, reference: str, exclusions: list[dict], paired: pd.DataFrame | None = None
) -> pd.DataFrame:
    pair_key = ["model", "condition", "target_task", "seed"]
    reference_scores = task_rows[task_rows["language"] == reference][[*pair_key, "score"]].rename(
        columns={"score": "reference_score"}
    )
    merged = task_rows.merge(reference_scores, on=pair_key, how="left")
    merged["reference_kind"] = "all items"
    if paired is not None and not paired.empty:
        merged = merged.merge(paired, on=KEY, how="left")
        use = merged["paired_reference"].notna()
        merged.loc[use, "reference_score"] = merged.loc[use, "paired_reference"]
        merged.loc[use, "reference_kind"] = "same items"
        merged = merged.drop(columns=["paired_reference"])
    merged["is_reference"] = merged["language"] == reference
    merged["dependent"] = merged["score"] - merged["reference_score"]
    merged.loc[merged["is_reference"], "dependent"] = np.nan
    unpaired = merged[merged["reference_score"].isna() & ~merged["is_reference"]]
    for (model, condition, task, language), group in unpaired.groupby(
        ["model", "condition", "target_task", "language"], sort=True
    ):
        seeds = ", ".join(str(s) for s in sorted(group["seed"]))
        exclusions.append(
            {"language": language, "model": model, "condition": condition, "target_task": task,
             "analysis": f"gap (seeds {seeds})",
             "reason": f"no {reference} score for the same model, condition and seed"}
        )  # fmt: skip
    return merged
