"""The experiment file: models x intermediate-task sets x target tasks x seeds, validated.

Every field is declared (``extra="forbid"``), so a typo is an error, never a silently ignored
key; :func:`load_experiment` turns pydantic's report into one line that names the field path and
what is allowed. Relative paths are resolved against the current directory.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xstilts.errors import ConfigError

NO_INTERMEDIATE = "none"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Member(Strict):
    """One intermediate task in one source language."""

    task: str
    language: str = "en"

    @property
    def key(self) -> str:
        return f"{self.task}:{self.language}"


class MLMConfig(Strict):
    """The paper's alternative: MLM on multilingual text alongside the intermediate task(s)."""

    task: str  # whose training texts are the MLM corpus
    languages: list[str]
    max_examples_per_language: int = 2000


class PhaseConfig(Strict):
    learning_rate: float = Field(3e-5, gt=0)
    head_learning_rate: float | None = Field(None, gt=0, description="learning rate of the fresh heads")
    batch_size: int = Field(32, ge=1)
    max_tokens: int | None = Field(None, ge=16, description="token-budget batches (padded tokens per batch)")
    pad_multiple: int | None = Field(
        None, ge=1, description="round padded lengths up to a multiple (default 8; 1 = exact padding)"
    )
    max_steps: int = Field(200, ge=1)
    warmup_ratio: float = Field(0.1, ge=0, le=1)
    weight_decay: float = Field(0.01, ge=0)
    grad_accumulation: int = Field(1, ge=1)
    max_grad_norm: float = Field(1.0, ge=0)
    eval_every: int = Field(50, ge=0, description="steps between dev evaluations; 0 = never")
    patience: int = Field(0, ge=0, description="evaluations without improvement before stopping; 0 = off")
    max_length: int = Field(128, ge=8)
    max_train_examples: int | None = Field(None, ge=1)
    max_dev_examples: int | None = Field(500, ge=1)
    sampling: Literal["proportional", "temperature", "uniform", "capped_proportional"] = "proportional"
    temperature: float = Field(2.0, gt=0)
    cap: int = Field(20_000, ge=1)
    pooling: Literal["mean", "first"] = "mean"
    dropout: float = Field(0.1, ge=0, lt=1)
    mlm: MLMConfig | None = None


class RetrievalConfig(Strict):
    """How retrieval tasks embed sentences (the paper: mean-pooled layer 14 of XLM-R Large's 24)."""

    pooling: Literal["mean", "first"] = "mean"
    layer: int | None = Field(
        None,
        ge=-1,
        description="hidden state to pool: 0 = embedding output, n = last layer, -1 = last; "
        "default: the paper's relative depth, round(14/24 * layers) (7 of e5-small's 12)",
    )
    prefix: str | None = Field(
        None,
        description="prepended to every sentence; default: the model registry's query prefix (e5: 'query: ')",
    )
    layer_sweep: bool = Field(
        True,
        description="also score the main metric at every layer (same forward pass) and every metric at the "
        "last layer (the '@last-layer' variant)",
    )
    max_length: int | None = Field(
        None, ge=8, description="truncate sentences (default: the task's max_length)"
    )


class EvaluationConfig(Strict):
    batch_size: int = Field(256, ge=1, description="most examples per batch")
    max_tokens: int | None = Field(
        None,
        ge=64,
        description="padded tokens per batch (default: 2048 on CPU, where small batches stay in "
        "cache, 32768 on CUDA)",
    )
    max_examples_per_language: int | None = Field(None, ge=1)
    retrieval: RetrievalConfig = RetrievalConfig()


class StratifiedLanguages(Strict):
    """A family-stratified sample of the languages on disk (languages round-robin over families)."""

    stratified: int = Field(ge=1, description="how many languages")
    min_families: int = Field(20, ge=1)
    seed: int = 0


class TargetConfig(Strict):
    languages: Literal["all"] | list[str] | StratifiedLanguages = "all"
    max_examples_per_language: int | None = Field(None, ge=1)
    primary_metric: str | None = Field(
        None, description="the score the analysis uses for this target (default: the task's first metric)"
    )


class RuntimeConfig(Strict):
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, ge=1)
    embedding_mode: Literal["frozen", "sparse", "full"] = "frozen"
    fused_optimizer: Literal["auto", "on", "off"] = "auto"  # auto: fused AdamW where torch has it (CUDA, CPU)
    compile: Literal["auto", "on", "off"] = "auto"  # torch.compile the encoder (auto: off; bucketed shapes)
    gradient_checkpointing: bool = False  # trade compute for memory (long QA windows, large models)


class ReportConfig(Strict):
    reference_language: str = "en"
    n_boot: int = Field(1000, ge=50)
    # Cluster unit for standard errors and bootstrap: one for all tasks, or per task with a
    # "default" key, e.g. {default: language, udhr-retrieval: family}.
    cluster: Literal["language", "family"] | dict[str, Literal["language", "family"]] = "language"


class ExperimentConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    output_dir: Path | None = None  # default runs/<name>
    artifact_dir: Path | None = None  # default XSTILTS_HOME/artifacts (shared across experiments)
    data_dir: Path | None = None  # root of user-provided task data (e.g. xtreme download/)
    # Modules that register extra tasks (your own TaskSpecs): imported before planning and in
    # every worker, so adding a task never means editing xstilts itself.
    task_modules: list[str] = Field(default_factory=list)
    models: list[str] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)
    conditions: dict[str, list[Member]]
    targets: dict[str, TargetConfig]
    intermediate: PhaseConfig = PhaseConfig()
    finetune: PhaseConfig = PhaseConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    runtime: RuntimeConfig = RuntimeConfig()
    report: ReportConfig = ReportConfig()

    @field_validator("conditions", mode="before")
    @classmethod
    def _members(cls, value: Any) -> Any:
        """Accept ``msgkind:ja`` strings as shorthand for ``{task: msgkind, language: ja}``."""
        if not isinstance(value, dict):
            return value
        out = {}
        for name, members in value.items():
            members = members or []
            parsed = []
            for member in members:
                if isinstance(member, str):
                    task, _, language = member.partition(":")
                    parsed.append({"task": task, "language": language or "en"})
                else:
                    parsed.append(member)
            out[name] = parsed
        return out

    @model_validator(mode="after")
    def _consistency(self) -> ExperimentConfig:
        if self.conditions.get(NO_INTERMEDIATE):
            raise ValueError(f"condition {NO_INTERMEDIATE!r} is the baseline and must have no members")
        for name, members in self.conditions.items():
            if name != NO_INTERMEDIATE and not members:
                raise ValueError(
                    f"condition {name!r} has no intermediate tasks (only {NO_INTERMEDIATE!r} may be empty)"
                )
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds must be distinct")
        if not self.targets:
            raise ValueError("at least one target task is needed")
        return self

    # -- derived locations ---------------------------------------------------------------
    @property
    def resolved_output_dir(self) -> Path:
        return (self.output_dir or Path("runs") / self.name).expanduser().resolve()

    @property
    def store_path(self) -> Path:
        return self.resolved_output_dir / "results.sqlite"

    @property
    def report_dir(self) -> Path:
        return self.resolved_output_dir / "report"

    @property
    def resolved_artifact_dir(self) -> Path:
        if self.artifact_dir is not None:
            return self.artifact_dir.expanduser().resolve()
        from xstilts.paths import home

        return home() / "artifacts"

    def import_task_modules(self) -> None:
        import importlib

        for module in self.task_modules:
            try:
                importlib.import_module(module)
            except ImportError as error:
                raise ConfigError(
                    f"task_modules: cannot import {module!r} ({error})",
                    fix="check the module name and PYTHONPATH",
                ) from None

    def config_hash(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def language_meta(self):
        """Language metadata (family, coordinates) when a target is the UDHR task, else None.

        The analysis then clusters by family and draws the world map from these coordinates; for
        other tasks it derives families and coordinates from URIEL.
        """
        if not any(t.startswith("udhr") for t in self.targets):
            return None
        from xstilts.data.udhr import language_meta

        return language_meta()


def _format_validation_error(error: ValidationError, source: Path) -> ConfigError:
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        parent = first["loc"][:-1]
        model = ExperimentConfig
        for part in parent:
            field = model.model_fields.get(str(part)) if isinstance(part, str) else None
            annotation = getattr(field, "annotation", None) if field else None
            model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
            if model is None:
                break
        allowed = sorted(model.model_fields) if model is not None else []
        from xstilts.errors import did_you_mean

        hint = did_you_mean(str(first["loc"][-1]), allowed)
        fix = f"{hint + ' ' if hint else ''}allowed here: {', '.join(allowed)}" if allowed else "remove it"
        return ConfigError(f"unknown field {path!r}", file=source, fix=fix)
    message = first["msg"]
    return ConfigError(f"field {path!r}: {message}", file=source, fix=f"got {first.get('input')!r}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(
                f"duplicate key {key!r} (first at line {seen[key]})",
                file=loader.name,
                line=key_node.start_mark.line + 1,
                fix="keep one of them",
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_experiment(path: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
    """Read and validate an experiment YAML; ``overrides`` are ``a.b.c=value`` strings."""
    source = Path(path)
    if not source.is_file():
        raise ConfigError("experiment file not found", file=source, fix="give the path of an experiment YAML")
    try:
        loader = _UniqueKeyLoader(source.read_text(encoding="utf-8"))
        loader.name = str(source)
        try:
            raw = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(error, 'problem', error)}",
            file=source,
            line=mark.line + 1 if mark else None,
            fix="check indentation and quoting",
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError("the experiment file must be a YAML mapping", file=source)
    for override in overrides or []:
        _apply_override(raw, override, source)
    try:
        return ExperimentConfig.model_validate(raw)
    except ValidationError as error:
        raise _format_validation_error(error, source) from None


def _apply_override(raw: dict, override: str, source: Path) -> None:
    key, sep, value = override.partition("=")
    if not sep or not key:
        raise ConfigError(f"bad override {override!r}", file=source, fix="use --set a.b.c=value")
    node = raw
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {override!r}: {part!r} is not a mapping", file=source)
    node[parts[-1]] = yaml.safe_load(value)
