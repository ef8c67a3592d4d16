"""The results store: an embedded SQLite database with every score and its provenance.

Why SQLite: one file next to the experiment, safe under concurrent writers (WAL), queryable by
anyone with pandas, and transactional, so that a job's scores and its "done" mark land together
or not at all: a run killed at any instant leaves either the whole job or nothing.

Scores are keyed by (experiment, job, condition, seed, task, language, split, metric): recording
the same job twice replaces its rows instead of duplicating them. One job can serve several
(condition, seed) cells when their inputs are identical (e.g. retrieval on the untouched
pretrained encoder is the same for every seed), and then writes one row set per cell.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    experiment TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    code_version TEXT NOT NULL,
    host TEXT,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    config_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    experiment TEXT NOT NULL,
    job_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    run_id TEXT,
    started_at REAL,
    finished_at REAL,
    wall_s REAL,
    artifact TEXT,
    provenance_json TEXT,
    PRIMARY KEY (experiment, job_id)
);
CREATE TABLE IF NOT EXISTS scores (
    experiment TEXT NOT NULL,
    job_id TEXT NOT NULL,
    model TEXT NOT NULL,
    condition TEXT NOT NULL,
    intermediate TEXT NOT NULL,
    sources TEXT NOT NULL,
    target_task TEXT NOT NULL,
    language TEXT NOT NULL,
    split TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    seed INTEGER NOT NULL,
    is_main INTEGER NOT NULL,
    higher_is_better INTEGER NOT NULL,
    n_examples INTEGER,
    provenance_json TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (experiment, job_id, condition, seed, target_task, language, split, metric)
);
CREATE INDEX IF NOT EXISTS scores_by_condition ON scores (experiment, condition, target_task);
"""

SCORE_COLUMNS = [
    "experiment",
    "job_id",
    "model",
    "condition",
    "intermediate",
    "sources",
    "target_task",
    "language",
    "split",
    "metric",
    "value",
    "seed",
    "is_main",
    "higher_is_better",
    "n_examples",
    "provenance_json",
    "created_at",
]


@dataclass
class ScoreRow:
    """One number and where it came from.

    ``condition`` names the intermediate-task set ("none" for no intermediate training);
    ``intermediate`` lists its (task:language) members and ``sources`` its source languages,
    both comma-joined, so analysis can compute the distance to each intermediate source.
    """

    model: str
    condition: str
    intermediate: str
    sources: str
    target_task: str
    language: str
    split: str
    metric: str
    value: float
    seed: int
    is_main: bool
    higher_is_better: bool = True
    n_examples: int | None = None
    provenance: dict[str, Any] = field(default_factory=dict)


class ResultsStore:
    """Open (creating if needed) the store at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create_schema()

    def _create_schema(self, patience_s: float = 60.0) -> None:
        """Create the tables and switch the file to WAL, tolerating other processes doing the same.

        Why the retry loop: switching a fresh database to WAL takes an exclusive lock for which
        SQLite does not call its busy handler, so two processes opening a new store at the same
        instant (the ranks of ``torchrun``, Ray workers) got "database is locked" about one time
        in six. WAL is a property of the file, so it is set once here, not on every connection.
        """
        deadline = time.monotonic() + patience_s
        delay = 0.01
        while True:
            try:
                with self._connect() as con:
                    if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                        con.execute("PRAGMA journal_mode=WAL")
                    con.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA busy_timeout=60000")
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- runs -----------------------------------------------------------------------------
    def start_run(
        self, experiment: str, config_hash: str, code_version: str, config: dict, host: str = ""
    ) -> str:
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    experiment,
                    config_hash,
                    code_version,
                    host,
                    time.time(),
                    None,
                    "running",
                    json.dumps(config, sort_keys=True, default=str),
                ),
            )
        return run_id

    def finish_run(self, run_id: str, status: str) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE runs SET finished_at=?, status=? WHERE run_id=?", (time.time(), status, run_id)
            )

    # -- jobs -----------------------------------------------------------------------------
    def record_job(
        self,
        experiment: str,
        job_id: str,
        kind: str,
        label: str,
        status: str,
        *,
        run_id: str | None = None,
        started_at: float | None = None,
        wall_s: float | None = None,
        artifact: str | None = None,
        provenance: dict | None = None,
        scores: Iterable[ScoreRow] = (),
    ) -> None:
        """Mark a job (and, atomically with it, write its scores)."""
        now = time.time()
        rows = list(scores)
        with self.transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    experiment,
                    job_id,
                    kind,
                    label,
                    status,
                    run_id,
                    started_at,
                    now if status == "done" else None,
                    wall_s,
                    artifact,
                    json.dumps(provenance or {}, sort_keys=True, default=str),
                ),
            )
            if rows:
                con.execute("DELETE FROM scores WHERE experiment=? AND job_id=?", (experiment, job_id))
                con.executemany(
                    f"INSERT INTO scores VALUES ({','.join('?' * len(SCORE_COLUMNS))})",
                    [self._score_tuple(experiment, job_id, row, now) for row in rows],
                )

    @staticmethod
    def _score_tuple(experiment: str, job_id: str, row: ScoreRow, now: float) -> tuple:
        data = asdict(row)
        provenance = data.pop("provenance")
        return (
            experiment,
            job_id,
            data["model"],
            data["condition"],
            data["intermediate"],
            data["sources"],
            data["target_task"],
            data["language"],
            data["split"],
            data["metric"],
            float(data["value"]),
            int(data["seed"]),
            int(bool(data["is_main"])),
            int(bool(data["higher_is_better"])),
            data["n_examples"],
            json.dumps(provenance, sort_keys=True, default=str),
            now,
        )

    def job_statuses(self, experiment: str) -> dict[str, str]:
        with self._connect() as con:
            rows = con.execute("SELECT job_id, status FROM jobs WHERE experiment=?", (experiment,)).fetchall()
        return dict(rows)

    def recorded_cells(self, experiment: str, job_id: str) -> set[tuple[str, int]]:
        """(condition, seed) pairs whose scores this job has written for the experiment."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT DISTINCT condition, seed FROM scores WHERE experiment=? AND job_id=?",
                (experiment, job_id),
            ).fetchall()
        return {(condition, int(seed)) for condition, seed in rows}

    def jobs_frame(self, experiment: str | None = None) -> pd.DataFrame:
        return self._frame("jobs", experiment)

    def runs_frame(self, experiment: str | None = None) -> pd.DataFrame:
        return self._frame("runs", experiment)

    # -- scores ---------------------------------------------------------------------------
    def scores_frame(self, experiment: str | None = None) -> pd.DataFrame:
        """All scores (of one experiment) as a DataFrame with the :data:`SCORE_COLUMNS`."""
        return self._frame("scores", experiment)

    def _frame(self, table: str, experiment: str | None) -> pd.DataFrame:
        query = f"SELECT * FROM {table}"
        params: tuple = ()
        if experiment is not None:
            query += " WHERE experiment=?"
            params = (experiment,)
        with self._connect() as con:
            return pd.read_sql_query(query, con, params=params)

    def experiments(self) -> list[str]:
        with self._connect() as con:
            rows = con.execute("SELECT DISTINCT experiment FROM scores ORDER BY experiment").fetchall()
        return [r[0] for r in rows]
