"""Progress events: what the pipeline and the dataset builders report while they work.

Library code emits these small, immutable records through an optional callback (``EventSink``)
and never draws anything; ``xstilts.cli.progress`` turns them into rich progress bars, tables and
the closing summary. Tests and other front ends can collect them as plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class DatasetProgress:
    """A dataset build advanced: ``done`` of ``total`` items of ``stage`` (catalogs, files, ...)."""

    dataset: str
    stage: str
    done: int
    total: int
    note: str = ""


@dataclass(frozen=True)
class PlanRow:
    kind: str
    planned: int
    done: int


@dataclass(frozen=True)
class JobRow:
    key: str
    kind: str
    label: str
    done: bool


@dataclass(frozen=True)
class RunStarted:
    """A run planned its grid: sizes, runtime, where artifacts go, what is already done."""

    experiment: str
    grid: str  # "1 model(s) x 3 condition(s) x ..."
    runtime: str
    artifacts: Path
    config_hash: str
    notes: list[str]  # what start-up tidied or found (dead processes' leftovers, corrupt artifacts)
    plan: list[PlanRow]
    jobs: list[JobRow] = field(default_factory=list)  # filled for a dry run (the full job list)


@dataclass(frozen=True)
class JobStarted:
    key: str
    kind: str
    label: str


@dataclass(frozen=True)
class JobProgress:
    """A running job advanced: training steps (with the loss once known) or evaluated languages."""

    key: str
    done: int
    total: int
    unit: str = "steps"
    loss: float | None = None
    note: str = ""


@dataclass(frozen=True)
class JobFinished:
    key: str
    kind: str
    label: str
    built: bool = True  # False: another process published the artifact meanwhile


@dataclass(frozen=True)
class RunFinished:
    """The closing summary: jobs run, reused and failed; wall time; where results are."""

    experiment: str
    executed: dict[str, int]
    reused: int
    failed: int
    wall_s: float
    store_path: Path
    report_dir: Path
    status: str  # done | failed | interrupted | dry-run
    pending: int = 0  # jobs this run had to do (a dry run does none of them)
    resume: str = ""  # the command that resumes the run
    finished: int = 0  # jobs of the plan finished (before or by this run)
    total: int = 0  # jobs in the plan
    stopped_by: str = ""  # the signal that interrupted the run (SIGINT, SIGTERM)


Event = DatasetProgress | RunStarted | JobStarted | JobProgress | JobFinished | RunFinished
EventSink = Callable[[Event], None]


def emit(sink: EventSink | None, event: Event) -> None:
    """Send ``event`` to ``sink`` when there is one (library code never requires a listener)."""
    if sink is not None:
        sink(event)
