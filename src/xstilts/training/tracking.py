"""Experiment tracking: training curves and scores to TensorBoard and, optionally, MLflow.

Each job writes TensorBoard event files to its own folder under the experiment's run folder
(``runs/<name>/tensorboard/<kind>/<label>-<key>``), so ``tensorboard --logdir runs/<name>/tensorboard``
shows every curve of a grid side by side. With ``tracking.mlflow.uri`` set, each job is also one
MLflow run (params: the resolved config; metrics: the same curves and the final scores; tags: job
key, kind, model, condition, seed, target). Both are written through their own libraries
(torch's ``SummaryWriter``, ``MlflowClient``); nothing here reimplements their formats.

Why a small fan-out class: the trainer calls three methods and knows nothing of either backend.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MLFLOW_BATCH = 100  # MlflowClient.log_batch accepts at most 100 params per call ...
MLFLOW_METRICS = 1000  # ... and 1000 metrics (a tracking server enforces it; 360 languages log more)


def slug(text: str, limit: int = 80) -> str:
    """A folder-safe rendering of a job label (TensorBoard shows folder names as run names)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", text).strip("-")
    return cleaned[:limit] or "job"


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config -> ``{"finetune.learning_rate": "3e-05", ...}`` (MLflow params are strings)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value if isinstance(value, str) else json.dumps(value, default=str)
    return out


@dataclass
class TrackingTarget:
    """Where and how one job is tracked (built by the pipeline, used by the trainer)."""

    name: str  # run name (the job label)
    tensorboard_dir: Path | None = None
    mlflow_uri: str | None = None
    mlflow_experiment: str = "xstilts"
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


class Tracker:
    """Fan-out to the configured backends; a no-op when none is configured."""

    def __init__(self, target: TrackingTarget | None) -> None:
        self.target = target
        self._writer = None
        self._client = None
        self._run_id: str | None = None
        if target is None:
            return
        if target.tensorboard_dir is not None:
            self._writer = _tensorboard_writer(target)
        if target.mlflow_uri:
            self._client, self._run_id = _mlflow_run(target)

    def log(self, step: int, metrics: Mapping[str, float]) -> None:
        """Scalars at one step (training curves, dev scores, final test scores)."""
        finite = {k: float(v) for k, v in metrics.items() if v is not None and float(v) == float(v)}
        if not finite:
            return
        if self._writer is not None:
            for name, value in finite.items():
                self._writer.add_scalar(name, value, step)
        if self._client is not None:
            from mlflow.entities import Metric

            now = _now_ms()
            metrics = [Metric(_mlflow_name(k), v, now, step) for k, v in finite.items()]
            for start in range(0, len(metrics), MLFLOW_METRICS):
                self._client.log_batch(self._run_id, metrics=metrics[start : start + MLFLOW_METRICS])

    def close(self, status: str = "FINISHED") -> None:
        """Flush and close; ``status`` FAILED marks an MLflow run whose job raised."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._client is not None:
            self._client.set_terminated(self._run_id, status=status)
            self._client = None

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close("FAILED" if kind is not None else "FINISHED")


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)


def _mlflow_name(name: str) -> str:
    """MLflow metric names allow letters, digits, ``_ - . / space``; language tags like ``@`` do not."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", name)


def _tensorboard_writer(target: TrackingTarget):
    from torch.utils.tensorboard import SummaryWriter

    folder = target.tensorboard_dir
    if folder.exists():  # a rerun after a crash: the job starts over, so do its curves
        shutil.rmtree(folder)
    writer = SummaryWriter(log_dir=str(folder), flush_secs=30)
    if target.tags:
        writer.add_text("job", "\n".join(f"- {k}: {v}" for k, v in sorted(target.tags.items())), 0)
    return writer


def _mlflow_run(target: TrackingTarget):
    try:
        from mlflow.entities import Param, RunTag
        from mlflow.tracking import MlflowClient
    except ImportError:
        from xstilts.errors import MissingResourceError

        raise MissingResourceError(
            "tracking.mlflow.uri is set but MLflow is not installed",
            fix="pip install 'xstilts[tracking]' (mlflow-skinny, SQLAlchemy, alembic)",
        ) from None
    client = MlflowClient(tracking_uri=target.mlflow_uri)
    experiment = client.get_experiment_by_name(target.mlflow_experiment)
    experiment_id = (
        experiment.experiment_id if experiment else client.create_experiment(target.mlflow_experiment)
    )
    run = client.create_run(experiment_id, tags=dict(target.tags), run_name=target.name)
    params = [Param(k, str(v)[:6000]) for k, v in flatten(target.params).items()]
    for start in range(0, len(params), MLFLOW_BATCH):
        client.log_batch(run.info.run_id, params=params[start : start + MLFLOW_BATCH])
    client.log_batch(run.info.run_id, tags=[RunTag("mlflow.runName", target.name)])
    return client, run.info.run_id
