"""Expand an experiment into a DAG of phase jobs keyed by content hash.

The paper's three phases become three job kinds:

- ``intermediate``: train the encoder on an intermediate-task set (one per model x set x seed);
- ``finetune``: train a fresh head + the encoder on the English target task, starting from the
  intermediate checkpoint (or the pretrained model for the "none" baseline);
- ``evaluate``: zero-shot predictions and scores in every language of the target task.

Retrieval targets (Tatoeba/BUCC-style) have no fine-tuning: as in the paper, they evaluate the
intermediate-trained encoder directly. Because keys are content hashes, identical work collapses:
one intermediate checkpoint serves every target task, and retrieval on the untouched pretrained
encoder is one job however many seeds the grid has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xstilts.errors import ConfigError, MissingResourceError, UnknownNameError
from xstilts.models.loading import resolve_model
from xstilts.pipeline.config import ExperimentConfig, StratifiedLanguages
from xstilts.pipeline.fingerprint import ENGINE_VERSION, source_fingerprint, stable_hash
from xstilts.pipeline.kinds import RUN_ORDER, JobKind
from xstilts.tasks.registry import get_task
from xstilts.tasks.spec import Role, TaskSpec
from xstilts.tasks.types import get_task_type


@dataclass(frozen=True)
class Cell:
    """One (model, condition, seed, target) cell of the grid that an evaluate job fills."""

    model: str
    condition: str
    seed: int
    target: str
    intermediate: str  # comma-joined task:language members
    sources: str  # comma-joined source languages


@dataclass
class Job:
    key: str
    kind: JobKind
    label: str
    deps: list[str]
    payload: dict[str, Any]
    cells: list[Cell] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # model/condition/seed/target, for trackers


@dataclass
class Plan:
    jobs: dict[str, Job]  # topological order (dependencies first)

    def by_kind(self, kind: JobKind) -> list[Job]:
        return [job for job in self.jobs.values() if job.kind == kind]


def _spec(name: str, config: ExperimentConfig, where: str) -> TaskSpec:
    try:
        return get_task(name)
    except UnknownNameError as error:
        raise ConfigError(f"{where}: {error.problem}", fix=error.fix) from None


def _fingerprints(
    spec: TaskSpec, config: ExperimentConfig, split: str, languages: list[str]
) -> dict[str, str]:
    root = spec.data_root(config.data_dir)
    # every file the reader may use (release, originals, exports), not only the declared one
    return {language: source_fingerprint(spec, root, split, language) for language in languages}


def _eval_languages(spec: TaskSpec, config: ExperimentConfig, requested) -> list[str]:
    root = spec.data_root(config.data_dir)
    on_disk = spec.languages_on_disk(root).get(spec.test_split, [])
    if isinstance(requested, StratifiedLanguages):
        if not (root / "languages.csv").is_file():
            raise ConfigError(
                f"targets.{spec.name}.languages: a stratified sample needs the dataset's language families",
                fix="use it with udhr-retrieval (its languages.csv), or list the languages",
            )
        from xstilts.data.udhr import stratified_subset

        requested = stratified_subset(requested.stratified, requested.min_families, requested.seed, root)
    if requested == "all":
        if not on_disk:
            raise MissingResourceError(
                f"task {spec.name!r}: no {spec.test_split} files found",
                file=spec.data_root(config.data_dir),
                fix="build or download the data first (xstilts tasks check " + spec.name + ")",
            )
        return on_disk
    missing = [lang for lang in requested if lang not in on_disk]
    if missing:
        raise ConfigError(
            f"target {spec.name!r}: no {spec.test_split} data for languages {missing}",
            fix=f"languages on disk: {', '.join(on_disk) or 'none'}",
        )
    return list(requested)


def _check_model(name: str) -> str:
    """The model's weights revision; a name that is on this machine in no form is an error.

    A hub id counts as present when its ``config.json`` is in the Hugging Face cache. Checked
    offline, so ``--dry-run`` catches a misspelt model name before any hour of work is planned.
    """
    from xstilts.models.loading import _offline
    from xstilts.models.registry import REGISTRY

    resolved = resolve_model(name)
    if resolved.revision != "hub" or not _offline():
        return resolved.revision
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(resolved.location, "config.json")
    except ValueError:  # not even a valid hub id (e.g. a folder path that does not exist)
        cached = None
    if isinstance(cached, str):
        return resolved.revision
    from xstilts.errors import did_you_mean

    hint = did_you_mean(name, REGISTRY)
    raise MissingResourceError(
        f"model {name!r}: no local folder of that name, not in the model registry, and not in the "
        "Hugging Face cache",
        fix=f"{hint + ' ' if hint else ''}known models: {', '.join(sorted(REGISTRY))}; or give a local "
        "model folder, or copy the hub cache (HF_HOME) here",
    )


def build_plan(config: ExperimentConfig, precision: str) -> Plan:
    """Validate names against the registries and data on disk, then expand the grid."""
    config.import_task_modules()
    runtime = {"precision": precision, "embedding_mode": config.runtime.embedding_mode}
    targets = _target_specs(config)
    member_specs = _member_specs(config)
    revisions = {model: _check_model(model) for model in config.models}
    grid = _Grid(config, targets, member_specs, runtime)
    points = config.sweep_points()
    for model in config.models:
        base = {"model": model, "revision": revisions[model]}
        for point, seed in ((p, s) for p in points for s in config.seeds):
            for condition, members in config.conditions.items():
                grid.add_cell_jobs(model, base, point, seed, condition, members)
    return Plan(_topological(grid.jobs))


def _target_specs(config: ExperimentConfig) -> dict[str, TaskSpec]:
    """Each target's spec, checked: a target-role task whose primary metric it really has."""
    targets = {name: _spec(name, config, f"targets.{name}") for name in config.targets}
    for name, spec in targets.items():
        if Role.TARGET not in spec.roles:
            raise ConfigError(
                f"targets.{name}: task {name!r} is not a target task", fix="use a target-role task"
            )
        _check_primary_metric(name, config.targets[name].primary_metric, spec)
    return targets


def _check_primary_metric(name: str, primary: str | None, spec: TaskSpec) -> None:
    """The primary metric is one of the task's registered metrics, as a plain score.

    Variants (a layer of the sweep, one retrieval direction, the same-items reference) are
    stored beside it in their own columns; the analysis reads one with ``--metric``/``--variant``.
    """
    if primary is None or primary in spec.metrics:
        return
    hint = ""
    if "@" in primary:
        hint = (" (variants are no longer part of metric names: keep the name and analyse a variant with "
                "`xstilts report EXP.yaml --metric NAME --variant VARIANT`)")  # fmt: skip
    raise ConfigError(
        f"targets.{name}.primary_metric: {primary!r} is not a metric of {name!r}{hint}",
        fix=f"one of {', '.join(spec.metrics)}",
    )


def _member_specs(config: ExperimentConfig) -> dict[str, TaskSpec]:
    """The spec of every condition member (by member key), checked to be trainable in its language."""
    member_specs: dict[str, TaskSpec] = {}
    for condition, members in config.conditions.items():
        for i, member in enumerate(members):
            spec = _spec(member.task, config, f"conditions.{condition}.{i}")
            if not spec.trainable:
                raise ConfigError(
                    f"conditions.{condition}: task {member.task!r} cannot be trained ({spec.task_type})"
                )
            if member.language not in spec.train_languages:
                raise ConfigError(
                    f"conditions.{condition}: {member.task!r} has no training data in {member.language!r}",
                    fix=f"train languages: {', '.join(spec.train_languages)}",
                )
            member_specs[member.key] = spec
    return member_specs


class _Grid:
    """The jobs planned so far; identical keys collapse into one job that fills several cells.

    Every key is a content hash of exactly what the job's output depends on, so the order and
    content of each ``stable_hash`` list below is part of the artifact format: changing it
    re-plans (and re-runs) every job.
    """

    def __init__(self, config: ExperimentConfig, targets, member_specs, runtime: dict[str, str]) -> None:
        self.config, self.targets, self.member_specs, self.runtime = config, targets, member_specs, runtime
        self.jobs: dict[str, Job] = {}

    def add(self, job: Job) -> Job:
        """Insert ``job``, or merge its cells into the job already planned under the same key."""
        if job.key in self.jobs:
            self.jobs[job.key].cells.extend(c for c in job.cells if c not in self.jobs[job.key].cells)
            return self.jobs[job.key]
        self.jobs[job.key] = job
        return job

    def add_cell_jobs(self, model: str, base: dict, point, seed: int, condition: str, members: list) -> None:
        """The intermediate job of one (model, point, seed, condition), then each target's jobs."""
        parent = self._intermediate(model, base, point, seed, condition, members) if members else None
        member_keys = ",".join(m.key for m in members)
        sources = ",".join(dict.fromkeys(m.language for m in members))
        for target, target_config in self.config.targets.items():
            shown = point.model_label(model)  # the store's model column: model + swept values
            cell = Cell(shown, condition, seed, target, member_keys, sources)
            spec = self.targets[target]
            inputs = self._evaluation_inputs(target, target_config)  # checked before the fine-tuning data
            if get_task_type(spec.task_type).evaluation != "head":
                # as in the paper, retrieval and mining evaluate the intermediate-trained encoder directly
                eval_parent, deps = parent, ([parent["key"]] if parent else [])
            else:
                ft_key = self._finetune(model, base, point, seed, condition, target, parent)
                eval_parent, deps = {"kind": JobKind.FINETUNE, "key": ft_key}, [ft_key]
            self._evaluate(model, base, point, condition, target, inputs, eval_parent, deps, cell)

    def _intermediate(self, model, base, point, seed, condition, members) -> dict[str, str]:
        """Plan the intermediate-training job of one condition; returns its parent reference."""
        config = self.config
        member_data = []
        for m in members:
            spec = self.member_specs[m.key]
            splits = ["train"] + ([spec.dev_split] if spec.dev_split in spec.files else [])
            fps = {s: _fingerprints(spec, config, s, [m.language])[m.language] for s in splits}
            member_data.append({"task": m.task, "version": spec.version, "language": m.language, "data": fps})
        phase = config.phase_at("intermediate", point).hashed()
        key = stable_hash(
            [JobKind.INTERMEDIATE, ENGINE_VERSION, base, member_data, phase, seed, self.runtime]
        )
        label = point.only("intermediate").model_label(model)
        payload = {
            "model": model,
            "members": [m.model_dump() for m in members],
            "phase": phase,
            "seed": seed,
            "runtime": self.runtime,
            "mlm": phase.get("mlm"),
        }
        self.add(
            Job(key, JobKind.INTERMEDIATE, f"{label} · {condition} · seed {seed}", [], payload,
                tags=_tags(label, condition, seed))
        )  # fmt: skip
        return {"kind": JobKind.INTERMEDIATE, "key": key}

    def _finetune(self, model, base, point, seed, condition, target, parent) -> str:
        """Plan the English fine-tuning job of one target from ``parent``; returns its key."""
        config, spec = self.config, self.targets[target]
        train_fps = {
            split: _fingerprints(spec, config, split, ["en"])["en"]
            for split in ("train", spec.dev_split)
            if split in spec.files
        }
        phase = config.phase_at("finetune", point).hashed()
        key = stable_hash(
            [
                JobKind.FINETUNE,
                ENGINE_VERSION,
                base,
                parent,
                target,
                spec.version,
                train_fps,
                phase,
                seed,
                self.runtime,
            ]
        )
        shown = point.model_label(model)
        payload = {
            "model": model,
            "parent": parent,
            "target": target,
            "phase": phase,
            "seed": seed,
            "runtime": self.runtime,
        }
        self.add(
            Job(key, JobKind.FINETUNE, f"{shown} · {condition} · {target} · seed {seed}",
                [parent["key"]] if parent else [], payload, tags=_tags(shown, condition, seed, target))
        )  # fmt: skip
        return key

    def _evaluation_inputs(
        self, target: str, target_config
    ) -> tuple[list[str], dict[str, str], int | None, dict]:
        """What an evaluation of ``target`` depends on: languages, their data, limit and settings."""
        config, spec = self.config, self.targets[target]
        languages = _eval_languages(spec, config, target_config.languages)
        test_fps = _fingerprints(spec, config, spec.test_split, languages)
        limit = target_config.max_examples_per_language or config.evaluation.max_examples_per_language
        evaluation = config.evaluation.model_dump(mode="json", exclude={"batch_size"})
        return languages, test_fps, limit, evaluation

    def _evaluate(self, model, base, point, condition, target, inputs, eval_parent, deps, cell) -> None:
        """Plan the zero-shot evaluation of one target in all its languages (filling ``cell``)."""
        spec = self.targets[target]
        languages, test_fps, limit, evaluation = inputs
        key = stable_hash(
            [JobKind.EVALUATE, ENGINE_VERSION, base, eval_parent, target, spec.version, test_fps, limit, evaluation,
             self.runtime, *([point.values] if point.values else [])]
        )  # fmt: skip
        shown = point.model_label(model)
        payload = {
            "model": model,
            "parent": eval_parent,
            "target": target,
            "languages": languages,
            "max_examples": limit,
            "evaluation": evaluation,
            "runtime": self.runtime,
        }
        self.add(
            Job(key, JobKind.EVALUATE, f"{shown} · {condition} · {target} → {len(languages)} languages", deps, payload,
                cells=[cell], tags=_tags(shown, condition, seed=cell.seed, target=target))
        )  # fmt: skip


def _tags(model: str, condition: str, seed: int, target: str | None = None) -> dict[str, str]:
    tags = {"model": model, "condition": condition, "seed": str(seed)}
    return {**tags, "target": target} if target else tags


def _topological(jobs: dict[str, Job]) -> dict[str, Job]:
    return dict(sorted(jobs.items(), key=lambda item: RUN_ORDER[item[1].kind]))
