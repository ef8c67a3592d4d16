"""The results store: an embedded SQLite database with every score and its provenance.

Why SQLite: one file next to the experiment, safe under concurrent writers (WAL), queryable by
anyone with pandas, and transactional, so that a job's scores and its "done" mark land together
or not at all: a run killed at any instant leaves either the whole job or nothing.

Scores are keyed by (experiment, job, condition, seed, task, language, split, metric, variant,
direction, reference): recording the same job twice replaces its rows instead of duplicating them.
``metric`` is always a registered metric name; how that metric was measured (a layer of the
sweep, a retrieval direction, the reference language on the same items) is in the three
qualifier columns, empty for the plain score (:mod:`xstilts.tasks.metrics.keys`); stores written
before those columns are migrated when opened for writing. One job can serve several (condition,
seed) cells when their inputs are identical (e.g. retrieval on the untouched pretrained encoder
is the same for every seed), and then writes one row set per cell.
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

from xstilts.errors import StoreError
from xstilts.tasks.metrics.keys import QUALIFIERS, MetricKey, legacy_key

SCORES_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
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
    variant TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL,
    seed INTEGER NOT NULL,
    is_main INTEGER NOT NULL,
    higher_is_better INTEGER NOT NULL,
    n_examples INTEGER,
    provenance_json TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (experiment, job_id, condition, seed, target_task, language, split, metric,
                 variant, direction, reference)
);
"""
SCORES_INDEX = (
    "CREATE INDEX IF NOT EXISTS scores_by_condition ON scores (experiment, condition, target_task);"
)

SCHEMA = (
    """
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
"""
    + SCORES_TABLE.format(name="scores")
    + SCORES_INDEX
)

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
    "variant",
    "direction",
    "reference",
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
    ``metric`` is a registered metric name, ``variant``/``direction``/``reference`` its
    qualifiers (a :class:`~xstilts.tasks.metrics.keys.MetricKey`; empty: the plain score).
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
    variant: str = ""
    direction: str = ""
    reference: str = ""

    @property
    def key(self) -> MetricKey:
        return MetricKey(self.metric, self.variant, self.direction, self.reference)


REBUILD_HINT = "xstilts store rebuild EXPERIMENT.yaml"
# Columns added after the first schema; old stores get them on open (ALTER TABLE ... ADD COLUMN).
_ADDED_COLUMNS = {"runs": {"owner_json": "TEXT", "heartbeat_at": "REAL"}}


def _keyed_row(legacy: dict[str, Any]) -> tuple:
    """A score row of the old schema in the columns of the new one (:data:`SCORE_COLUMNS`)."""
    key = legacy_key(legacy["metric"])
    return tuple({**legacy, **key.fields()}[column] for column in SCORE_COLUMNS)


def keyed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Scores read from a store of the old schema (read-only, not migrated) with the key columns."""
    if "variant" in frame.columns:
        return frame
    keys = [legacy_key(str(name)) for name in frame["metric"]]
    frame = frame.assign(**{column: [getattr(k, column) for k in keys] for column in ("metric", *QUALIFIERS)})
    return frame[SCORE_COLUMNS]


def _classify(error: sqlite3.Error) -> str:
    """corrupt | readonly | full | other, from SQLite's message (it has no portable codes in 3.11)."""
    text = str(error).lower()
    if "not a database" in text or "malformed" in text or "database disk image" in text:
        return "corrupt"
    if "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text:
        return "readonly"
    if "disk is full" in text or "disk i/o" in text:
        return "full"
    return "other"


class ResultsStore:
    """Open (creating if needed) the store at ``path``; ``readonly`` never writes anything.

    A read-only store opens an existing file without touching it (also on read-only media, via
    SQLite's ``immutable`` mode) and behaves as an empty store when the file does not exist, so
    ``status`` and ``--dry-run`` leave the disk exactly as they found it.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False, rebuild_hint: str = REBUILD_HINT) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.rebuild_hint = rebuild_hint
        self._uri: str | None = None
        if readonly:
            self._uri = self._readonly_uri()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._error(error) from None
        self._create_schema()
        self._add_columns()
        self._key_scores()

    def _readonly_uri(self) -> str | None:
        """How to open the file without writing anything next to it.

        With no ``-wal`` file (no writer is active, or the store was copied), ``immutable=1``:
        SQLite then creates no ``-shm``/``-wal`` files, so reading leaves the folder untouched and
        works on read-only media. While a writer is active (``-wal`` present), ``mode=ro`` sees its
        committed transactions; where even that cannot open (read-only media), ``immutable=1``.
        """
        if not self.path.is_file():
            return None
        wal = self.path.with_name(self.path.name + "-wal").exists()
        for query in ("mode=ro", "immutable=1") if wal else ("immutable=1",):
            uri = f"{self.path.resolve().as_uri()}?{query}"
            try:
                con = sqlite3.connect(uri, uri=True, timeout=60.0)
                try:
                    con.execute("SELECT count(*) FROM sqlite_master").fetchone()
                finally:
                    con.close()
                return uri
            except sqlite3.OperationalError as error:
                if _classify(error) == "corrupt":
                    raise self._error(error) from None
                continue
            except sqlite3.DatabaseError as error:
                raise self._error(error) from None
        raise StoreError(
            "cannot open the results store read-only", file=self.path, fix="check the file's permissions"
        )

    def _error(self, error: Exception) -> StoreError:
        """One line for a store that cannot be used, with what to do."""
        if isinstance(error, OSError):
            from xstilts.errors import disk_error

            found = disk_error(error, error.filename or self.path.parent)
            if found is not None:
                return StoreError(found.problem, file=found.file, fix=found.fix)
            return StoreError(f"cannot use the results store ({error})", file=self.path)
        kind = _classify(error)  # type: ignore[arg-type]
        if kind == "corrupt":
            return StoreError(
                f"the results store is corrupt or truncated ({error}); no score is lost: every finished "
                "job's scores are in its artifact",
                file=self.path,
                fix=f"re-read them from the artifacts: {self.rebuild_hint}",
            )
        if kind == "readonly":
            return StoreError(
                f"the results store cannot be written ({error}); finished artifacts are kept",
                file=self.path,
                fix="give output_dir a writable folder (results/status/report can still read this store)",
            )
        if kind == "full":
            return StoreError(
                f"the disk holding the results store is full ({error}); finished artifacts are kept",
                file=self.path,
                fix="free disk space and rerun the same command to resume",
            )
        return StoreError(f"results store error: {error}", file=self.path)

    def _add_columns(self) -> None:
        with self.transaction() as con:
            for table, columns in _ADDED_COLUMNS.items():
                present = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
                for name, sql_type in columns.items():
                    if name not in present:
                        con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")

    def _scores_have_keys(self, con: sqlite3.Connection) -> bool:
        return "variant" in {row[1] for row in con.execute("PRAGMA table_info(scores)")}

    def _key_scores(self) -> None:
        """Migrate a store written before metric keys: ``metric@qualifier`` names become columns.

        SQLite cannot change a primary key in place, so the scores are copied into a table with
        the new schema (each name split by :func:`~xstilts.tasks.metrics.keys.legacy_key`), the
        old table dropped and the new one renamed, in one transaction: a crash leaves the old
        store or the migrated one, never a mix. A migrated store is left alone (idempotent).
        """
        with self._connect() as con:
            if self._scores_have_keys(con):
                return
        with self.transaction() as con:
            if self._scores_have_keys(con):  # another process migrated it meanwhile
                return
            legacy = [c for c in SCORE_COLUMNS if c not in QUALIFIERS]
            rows = con.execute(f"SELECT {', '.join(legacy)} FROM scores").fetchall()
            con.execute(SCORES_TABLE.format(name="scores_keyed"))
            con.executemany(
                f"INSERT INTO scores_keyed ({', '.join(SCORE_COLUMNS)}) VALUES ({','.join('?' * len(SCORE_COLUMNS))})",
                [_keyed_row(dict(zip(legacy, row, strict=True))) for row in rows],
            )
            con.execute("DROP TABLE scores")
            con.execute("ALTER TABLE scores_keyed RENAME TO scores")
            con.execute(SCORES_INDEX)

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
                    raise self._error(error) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection; SQLite's corrupt/read-only/full errors become one :class:`StoreError` line."""
        try:
            if self.readonly:
                con = self._readonly_connection()
            else:
                con = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        except sqlite3.Error as error:
            raise self._error(error) from None
        try:
            if not self.readonly:
                con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA busy_timeout=60000")
            yield con
        except sqlite3.Error as error:
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise
            raise self._error(error) from None
        finally:
            con.close()

    def _readonly_connection(self) -> sqlite3.Connection:
        if self._uri is None:  # no store yet: an empty in-memory one with the schema
            con = sqlite3.connect(":memory:", isolation_level=None)
            con.executescript(SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                for name, sql_type in columns.items():
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")
            return con
        return sqlite3.connect(self._uri, uri=True, timeout=60.0, isolation_level=None)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise StoreError(
                "the results store was opened read-only",
                file=self.path,
                fix="this is a bug: please report it",
            )
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
        self,
        experiment: str,
        config_hash: str,
        code_version: str,
        config: dict,
        host: str = "",
        owner: dict | None = None,
    ) -> str:
        """Record a run as ``running``, with its owner (host, boot id, PID) for later reconciliation."""
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        now = time.time()
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs (run_id, experiment, config_hash, code_version, host, started_at, "
                "finished_at, status, config_json, owner_json, heartbeat_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    experiment,
                    config_hash,
                    code_version,
                    host,
                    now,
                    None,
                    "running",
                    json.dumps(config, sort_keys=True, default=str),
                    json.dumps(owner or {}, sort_keys=True),
                    now,
                ),
            )
        return run_id

    def beat(self, run_id: str) -> None:
        """Refresh a run's heartbeat (its owner is alive), so other hosts do not reconcile it."""
        with self.transaction() as con:
            con.execute("UPDATE runs SET heartbeat_at=? WHERE run_id=?", (time.time(), run_id))

    def reconcile(self, is_dead) -> tuple[list[str], int]:
        """Mark ``running`` runs whose owner ``is_dead(owner_dict, heartbeat_at)`` as interrupted.

        Job rows those runs left ``running`` become ``interrupted`` too (their artifacts were never
        published, so the next run builds them). Returns the run ids and the number of job rows.
        """
        with self._connect() as con:
            rows = con.execute(
                "SELECT run_id, owner_json, heartbeat_at, started_at FROM runs WHERE status='running'"
            ).fetchall()
        stale = [
            run_id
            for run_id, owner, beat, started in rows
            if is_dead(json.loads(owner or "{}"), beat if beat is not None else started)
        ]
        jobs = 0
        if stale:
            marks = ",".join("?" * len(stale))
            with self.transaction() as con:
                con.execute(
                    f"UPDATE runs SET status='interrupted', finished_at=? WHERE run_id IN ({marks})",
                    (time.time(), *stale),
                )
                jobs = con.execute(
                    f"UPDATE jobs SET status='interrupted' WHERE status='running' AND run_id IN ({marks})",
                    stale,
                ).rowcount
        return stale, jobs

    def finish_run(self, run_id: str, status: str) -> None:
        """Mark the run; job rows it left ``running`` (the job in flight) get the run's status."""
        with self.transaction() as con:
            con.execute(
                "UPDATE runs SET finished_at=?, status=? WHERE run_id=?", (time.time(), status, run_id)
            )
            if status != "done":
                con.execute("UPDATE jobs SET status=? WHERE run_id=? AND status='running'", (status, run_id))

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
                    f"INSERT INTO scores ({', '.join(SCORE_COLUMNS)}) VALUES ({','.join('?' * len(SCORE_COLUMNS))})",
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
            data["variant"],
            data["direction"],
            data["reference"],
            float(data["value"]),
            int(data["seed"]),
            int(bool(data["is_main"])),
            int(bool(data["higher_is_better"])),
            data["n_examples"],
            json.dumps(provenance, sort_keys=True, default=str),
            now,
        )

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
        """All scores (of one experiment) as a DataFrame with the :data:`SCORE_COLUMNS`.

        A read-only store of the old schema is not migrated (nothing is written): its rows get
        the key columns as they are read.
        """
        return keyed_frame(self._frame("scores", experiment))

    def _frame(self, table: str, experiment: str | None) -> pd.DataFrame:
        query = f"SELECT * FROM {table}"
        params: tuple = ()
        if experiment is not None:
            query += " WHERE experiment=?"
            params = (experiment,)
        with self._connect() as con:
            try:
                return pd.read_sql_query(query, con, params=params)
            except pd.errors.DatabaseError as error:  # pandas wraps SQLite's error
                if isinstance(error.__cause__, sqlite3.Error):
                    raise self._error(error.__cause__) from None
                raise

    def scores_for_jobs(self, experiment: str, job_ids: Iterable[str]) -> pd.DataFrame:
        """Only the scores written by these jobs (one config's evaluate jobs) of ``experiment``."""
        frame = self.scores_frame(experiment)
        return frame[frame["job_id"].isin(set(job_ids))].reset_index(drop=True)

    def experiments(self) -> list[str]:
        with self._connect() as con:
            rows = con.execute("SELECT DISTINCT experiment FROM scores ORDER BY experiment").fetchall()
        return [r[0] for r in rows]
