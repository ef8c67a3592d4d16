"""What every job needs while it runs: the config, caches, store, runtime choice, tokenizers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xstilts.engine.precision import RuntimeChoice
from xstilts.events import EventSink, JobProgress
from xstilts.pipeline.cache import ArtifactCache
from xstilts.pipeline.config import ExperimentConfig
from xstilts.pipeline.store import ResultsStore

ProgressCallback = EventSink  # receives xstilts.events records; only cli/ draws them


@dataclass
class RunContext:
    config: ExperimentConfig
    cache: ArtifactCache
    store: ResultsStore
    runtime: RuntimeChoice
    run_id: str = ""
    config_hash: str = ""
    code_version: str = ""
    feature_cache: Path | None = None
    on_progress: ProgressCallback | None = None
    _tokenizers: dict[str, Any] = field(default_factory=dict)

    def tokenizer(self, model: str):
        if model not in self._tokenizers:
            from xstilts.models.loading import load_tokenizer

            self._tokenizers[model] = load_tokenizer(model)
        return self._tokenizers[model]

    def progress(
        self, key: str, done: int, total: int, note: str = "", *, unit: str = "languages", loss=None
    ) -> None:
        """Report a running job's progress (a :class:`~xstilts.events.JobProgress` event)."""
        if self.on_progress is not None:
            self.on_progress(JobProgress(key, done, total, unit, loss, note))

    def emit(self, event) -> None:
        """Send any progress event to the listener, if there is one."""
        if self.on_progress is not None:
            self.on_progress(event)

    def tracking_target(self, job, params: dict[str, Any] | None = None):
        """Where job ``job`` logs its curves and scores (see training/tracking.py)."""
        from xstilts.training.tracking import TrackingTarget, slug

        settings = self.config.tracking
        folder = None
        if settings.tensorboard:
            folder = (
                self.config.resolved_output_dir
                / "tensorboard"
                / job.kind
                / slug(f"{job.label}-{job.key[:8]}")
            )
        mlflow = settings.mlflow
        return TrackingTarget(
            name=job.label,
            tensorboard_dir=folder,
            mlflow_uri=mlflow.uri if mlflow else None,
            mlflow_experiment=(mlflow.experiment if mlflow and mlflow.experiment else self.config.name),
            params={"config": self.config.model_dump(mode="json"), "job": params or {}},
            tags={"xstilts.job_key": job.key, "xstilts.kind": job.kind, **getattr(job, "tags", {})},
        )

    def provenance(self, **extra: Any) -> dict[str, Any]:
        return {
            "experiment": self.config.name,
            "config_hash": self.config_hash,
            "code_version": self.code_version,
            "run_id": self.run_id,
            "runtime": self.runtime.as_dict(),
            **extra,
        }
