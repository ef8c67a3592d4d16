"""Which scores belong to a config: exactly the jobs its plan names, and how many are done.

A store keeps every score it was ever given: rows of an earlier ``--set`` variant stay next to
the current config's. Results and reports must show only the scores of the config asked about,
so they select rows by the job keys of its plan (a job key is the hash of everything that made
the score). Rows of other configs stay in the store, visible with ``--all-configs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xstilts.errors import ConfigError, MissingResourceError
from xstilts.pipeline.config import ExperimentConfig
from xstilts.pipeline.kinds import JobKind


@dataclass
class Scope:
    config_hash: str
    evaluate_keys: list[str] | None  # None: the plan could not be rebuilt here (data missing)
    jobs_total: int
    jobs_done: int
    notes: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.jobs_done < self.jobs_total

    def notice(self) -> str | None:
        """The line that must come first when estimates are built from an unfinished grid."""
        if not self.partial:
            return None
        return f"{self.jobs_done} of {self.jobs_total} jobs done; estimates are partial"

    def lines(self) -> list[str]:
        """What a report or results table says first: partial notice, then the config it shows."""
        notice = self.notice()
        return [*([notice] if notice else []), f"config {self.config_hash}", *self.notes]

    def job_ids(self, store_path, experiment: str) -> list[str]:
        """The plan's evaluate keys, or (plan not rebuildable) the jobs recorded under the hash."""
        from xstilts.pipeline.store import ResultsStore

        if not Path(store_path).is_file():
            return self.evaluate_keys or []
        scores = ResultsStore(store_path, readonly=True).scores_frame(experiment)
        return sorted(self.select(scores)["job_id"].unique()) if not scores.empty else []

    def select(self, scores: pd.DataFrame) -> pd.DataFrame:
        """This config's rows of a scores frame.

        By job key; when no row has this machine's keys but rows carry the config hash (the store
        was computed elsewhere, e.g. ``precision: auto`` resolved to bf16 there), by config hash.
        """
        if self.evaluate_keys is not None:
            chosen = scores[scores["job_id"].isin(set(self.evaluate_keys))].reset_index(drop=True)
            if not chosen.empty or scores.empty:
                return chosen
            by_hash = self._by_hash(scores)
            if not by_hash.empty:
                self.notes.append(
                    "no row has this machine's job keys (computed elsewhere?); showing the rows recorded "
                    "under this config hash"
                )
            return by_hash
        return self._by_hash(scores)

    def _by_hash(self, scores: pd.DataFrame) -> pd.DataFrame:
        hashes = scores["provenance_json"].map(lambda text: json.loads(text).get("config_hash"))
        if hashes.isna().all():  # rows written outside the pipeline (imported): nothing to tell apart
            return scores.reset_index(drop=True)
        return scores[hashes == self.config_hash].reset_index(drop=True)


def scope_for(config: ExperimentConfig) -> Scope:
    """The config's plan (without writing anything) and how much of it is finished."""
    from xstilts.pipeline.jobs import is_done
    from xstilts.pipeline.runner import prepare

    try:
        plan, ctx = prepare(config, write=False)
    except (MissingResourceError, ConfigError) as error:
        return Scope(
            config.config_hash(),
            None,
            0,
            0,
            [
                f"the plan cannot be rebuilt here ({error.problem}); showing the rows recorded under this config hash"
            ],
        )
    done = sum(is_done(job, ctx) for job in plan.jobs.values())
    keys = [job.key for job in plan.by_kind(JobKind.EVALUATE)]
    return Scope(ctx.config_hash, keys, len(plan.jobs), done)


def config_history(scores: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per config hash that wrote scores: rows, jobs, seeds, first and last write."""
    hashes = scores["provenance_json"].map(lambda text: json.loads(text).get("config_hash", ""))
    frame = scores.assign(config_hash=hashes)
    history = (
        frame.groupby("config_hash")
        .agg(
            rows=("value", "size"),
            jobs=("job_id", "nunique"),
            first=("created_at", "min"),
            last=("created_at", "max"),
        )
        .reset_index()
        .sort_values("last")
    )
    if not runs.empty:
        counts = runs.groupby("config_hash")["run_id"].nunique().rename("runs")
        history = history.merge(counts, on="config_hash", how="left")
    return history
