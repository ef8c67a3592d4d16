"""The stored predictions of an experiment: one :class:`PredictionSet` per job, cell and language.

Every evaluate job writes ``predictions/<language>.jsonl`` (and ``scores.json``) in its artifact
folder; the store knows which (model, condition, seed) cells each job fills and where its
artifact is. This module joins the two so that exports never need to know the hashed folders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xstilts.errors import MissingResourceError
from xstilts.pipeline.store import ResultsStore
from xstilts.tasks.metrics.keys import KEY_FIELDS, MetricKey

CELL = ["job_id", "model", "condition", "seed", "target_task", "language"]


@dataclass(frozen=True)
class PredictionSet:
    """The predictions one evaluate job made in one language, for one grid cell."""

    job: str
    model: str
    condition: str
    seed: int
    task: str
    language: str
    path: Path  # predictions/<language>.jsonl
    info: dict[str, Any] = field(default_factory=dict)  # scores.json "info" (BUCC threshold, ...)
    scores: dict[MetricKey, float] = field(default_factory=dict)  # the stored scores, by metric key
    predict_only: bool = False

    def records(self) -> list[dict[str, Any]]:
        """The prediction records, in the order of the evaluated examples (the test file's)."""
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]


def collect(store_path: Path, experiment: str, job_ids: list[str] | None = None) -> list[PredictionSet]:
    """Every stored prediction set of ``experiment``, sorted by model, condition, seed, task, language.

    ``job_ids`` keeps only those evaluate jobs (one config's, see ``pipeline.scope``): rows of
    earlier ``--set`` variants stay in the store but are not exported with this config.
    """
    store = ResultsStore(store_path, readonly=True)
    scores = store.scores_frame(experiment)
    if job_ids is not None:
        scores = scores[scores["job_id"].isin(set(job_ids))]
    jobs = store.jobs_frame(experiment)
    if scores.empty:
        raise MissingResourceError(
            f"experiment {experiment!r} has no stored results",
            file=store_path,
            fix="run it first (xstilts run EXP.yaml), or name the experiment the store holds",
        )
    artifacts = dict(zip(jobs.job_id, jobs.artifact, strict=True))
    sets = []
    for cell, rows in scores.groupby(CELL, sort=True):
        job, model, condition, seed, task, language = cell
        folder = Path(artifacts.get(job) or "")
        path = folder / "predictions" / f"{language}.jsonl"
        if not path.is_file():
            raise MissingResourceError(
                f"the predictions of job {job} ({task} {language}) are missing",
                file=path,
                fix="re-run the experiment to rebuild the artifact (xstilts run EXP.yaml)",
            )
        details = _results(folder).get(language, {})
        keys = [MetricKey(*key) for key in rows[list(KEY_FIELDS)].itertuples(index=False)]
        metrics = dict(zip(keys, rows.value.astype(float), strict=True))
        sets.append(
            PredictionSet(
                job, model, condition, int(seed), task, language, path,
                details.get("info", {}), metrics, bool(details.get("predict_only", False)),
            )
        )  # fmt: skip
    return sets


def _results(folder: Path) -> dict[str, Any]:
    path = folder / "scores.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
