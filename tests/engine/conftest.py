"""Fixtures for engine tests: the tiny synthetic world (data, tasks, random model)."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_experiment(path: Path, world: dict[str, Path], name: str, **overrides) -> Path:
    config = {
        "name": name,
        "output_dir": str(path.parent / f"out-{name}"),
        "artifact_dir": str(path.parent / f"artifacts-{name}"),
        "data_dir": str(world["data"]),
        "models": [str(world["model"])],
        "seeds": [1],
        "conditions": {"none": [], "kind-en": ["tinykind:en"], "kind-de": ["tinykind:de"]},
        "targets": {"tinytopic": {}, "tinytags": {}},
        "intermediate": {"max_steps": 12, "batch_size": 8, "eval_every": 6, "learning_rate": 1e-3},
        "finetune": {"max_steps": 12, "batch_size": 8, "eval_every": 6, "learning_rate": 1e-3},
        "runtime": {"precision": "fp32", "embedding_mode": "full", "threads": 1},
    }
    for key, value in overrides.items():
        config[key] = value
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path
