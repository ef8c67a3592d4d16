"""The experiment file: models x intermediate-task sets x target tasks x seeds, validated.

Every field is declared (``extra="forbid"``), so a typo is an error, never a silently ignored
key; :func:`load_experiment` turns pydantic's report into one line that names the field path and
what is allowed. Relative paths are resolved against the current directory.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from xstilts.errors import ConfigError, decode_error

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
    languages: list[str] = Field(min_length=1)
    max_examples_per_language: int = 2000


LATER_PHASE_FIELDS = ("learning_rates",)  # options added after ENGINE_VERSION 2's artifacts


class PhaseConfig(Strict):
    learning_rate: float = Field(3e-5, gt=0)
    learning_rates: list[float] | None = Field(
        None,
        min_length=1,
        description="pick the encoder's learning rate on dev from this declared set: one run per rate "
        "from the same start, the best dev score wins, every candidate recorded (replaces learning_rate)",
    )
    head_learning_rate: float | None = Field(None, gt=0, description="learning rate of the fresh heads")
    batch_size: int = Field(32, ge=1)
    max_tokens: int | None = Field(None, ge=16, description="token-budget batches (padded tokens per batch)")
    pad_multiple: int | None = Field(
        None,
        ge=1,
        description="round padded lengths up to a multiple (default: 1 = exact on CPUs, 8 on GPUs)",
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

    @field_validator("learning_rates")
    @classmethod
    def _positive_rates(cls, rates: list[float] | None) -> list[float] | None:
        if rates is not None and any(rate <= 0 for rate in rates):
            raise ValueError("every learning rate must be > 0")
        return rates

    @model_validator(mode="after")
    def _selection_needs_dev(self) -> PhaseConfig:
        if self.learning_rates and not self.eval_every:
            raise ValueError("learning_rates picks a rate on dev: set eval_every > 0")
        return self

    def hashed(self) -> dict[str, Any]:
        """The phase as jobs hash it: fields added after artifacts existed count only when set.

        An experiment that does not use a newer option keeps every job key, so its artifacts stay
        valid; one that sets it gets new keys.
        """
        dumped = self.model_dump(mode="json")
        for name in LATER_PHASE_FIELDS:
            if dumped.get(name) is None:
                dumped.pop(name, None)
        return dumped


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
        "last layer (stored with variant 'last-layer')",
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

    @field_validator("languages")
    @classmethod
    def _some_languages(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("no languages: the grid would evaluate nothing (list some, or use 'all')")
        return value

    max_examples_per_language: int | None = Field(None, ge=1)
    primary_metric: str | None = Field(
        None,
        description="the score the analysis uses for this target: one of the task's registered metrics, "
        "its plain score (default: the task's first metric)",
    )


class RuntimeConfig(Strict):
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, ge=1)
    embedding_mode: Literal["frozen", "sparse", "full"] = "frozen"
    fused_optimizer: Literal["auto", "on", "off"] = "auto"  # auto: fused AdamW where torch has it (CUDA, CPU)
    compile: Literal["auto", "on", "off"] = "auto"  # torch.compile the encoder (auto: off; bucketed shapes)
    gradient_checkpointing: bool = False  # trade compute for memory (long QA windows, large models)


class PrimaryContrast(Strict):
    """The one contrast the study is about, declared before looking (reported first, uncorrected)."""

    task: str
    kind: Literal[
        "syntactic", "phonological", "inventory", "genetic", "geographic", "featural", "genetic-cosine"
    ] = "syntactic"
    estimand: Literal["source-distance", "mitigation"] = "source-distance"
    condition: str | None = None  # mitigation: the condition; source-distance: default = pooled model

    @model_validator(mode="after")
    def _condition_for_mitigation(self) -> PrimaryContrast:
        if self.estimand == "mitigation" and not self.condition:
            raise ValueError("a mitigation primary contrast names its condition")
        return self


class ReportConfig(Strict):
    reference_language: str = "en"
    primary: PrimaryContrast | None = None
    # Smallest effect of interest for equivalence (TOST), per 0.1 of distance in the dependent's units.
    sesoi: float = Field(1.0, gt=0)
    dependent: Literal["raw", "normalised", "logit"] = "raw"  # README: why raw is the default
    chance: dict[str, float] = Field(default_factory=dict)  # task -> chance score (normalised/logit)
    correction: Literal["holm", "bh"] = "holm"  # for every secondary contrast
    covariates: list[Literal["script", "fertility"]] = Field(
        default_factory=list
    )  # of the paired change model
    fertility_file: Path | None = None  # written by `xstilts fertility` (pieces per word per task, language)
    n_boot: int = Field(1000, ge=50)
    # Cluster unit for standard errors and bootstrap: one for all tasks, or per task with a
    # "default" key, e.g. {default: language, udhr-retrieval: family}.
    cluster: Literal["language", "family"] | dict[str, Literal["language", "family"]] = "language"

    def study_design(self) -> dict[str, Any]:
        """The analysis options of this section (``build_report`` keyword arguments)."""
        primary = self.primary.model_dump() if self.primary else None
        return {"dependent": self.dependent, "chance": dict(self.chance), "primary": primary,
                "sesoi": self.sesoi, "correction": self.correction, "covariates": list(self.covariates),
                "fertility": self.fertility_file}  # fmt: skip


class MLflowConfig(Strict):
    """One MLflow run per job in this tracking store (e.g. ``sqlite:///mlflow.db``, ``./mlruns``)."""

    uri: str = Field(min_length=1)
    experiment: str | None = Field(None, description="MLflow experiment (default: this experiment's name)")


class TrackingConfig(Strict):
    """Training curves and scores: TensorBoard event files per job, optionally MLflow runs."""

    tensorboard: bool = True
    log_every: int = Field(10, ge=1, description="steps between logged points (each one a device sync)")
    mlflow: MLflowConfig | None = None


class ExperimentConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    output_dir: Path | None = None  # default runs/<name> next to the experiment file
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
    tracking: TrackingConfig = TrackingConfig()
    # Sweep axes, e.g. {"finetune.learning_rate": [2e-5, 5e-5]}; usually written as a list value in
    # the phase section itself (moved here on load by sweeps.extract_sweeps).
    sweep: dict[str, list[Any]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _sweep_axes(cls, value: Any) -> Any:
        """A list value for a phase hyperparameter is a sweep axis (see pipeline/sweeps.py)."""
        if isinstance(value, dict):
            from xstilts.pipeline.sweeps import extract_sweeps

            value = dict(value)
            for phase in ("intermediate", "finetune"):
                if isinstance(value.get(phase), dict):
                    value[phase] = dict(value[phase])
            extract_sweeps(value)
        return value

    # Where the config came from (file and --set overrides): for "resume with: ..." messages.
    _source: Path | None = PrivateAttr(None)
    _overrides: list[str] = PrivateAttr(default_factory=list)

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
        if not self.conditions:
            raise ValueError(
                f"conditions is empty: the grid would run nothing (give at least {NO_INTERMEDIATE!r}: [])"
            )
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
        from xstilts.pipeline.sweeps import validate_sweep

        self.sweep = validate_sweep(
            self.sweep, {"intermediate": self.intermediate, "finetune": self.finetune}
        )
        return self

    def sweep_points(self):
        """The sweep grid's points (one empty point when nothing is swept)."""
        from xstilts.pipeline.sweeps import sweep_points

        return sweep_points(self.sweep)

    def phase_at(self, phase: str, point) -> PhaseConfig:
        """Phase ``phase`` (intermediate|finetune) with sweep point ``point``'s values applied."""
        base: PhaseConfig = getattr(self, phase)
        overrides = point.phase(phase)
        return base.model_validate({**base.model_dump(), **overrides}) if overrides else base

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

    def command(self, verb: str) -> str:
        """The command line that repeats this config with another verb (``run``, ``store rebuild``)."""
        import shlex

        source = str(self._source) if self._source is not None else "EXPERIMENT.yaml"
        sets = "".join(f" --set {shlex.quote(item)}" for item in self._overrides)
        return f"xstilts {verb} {shlex.quote(source)}{sets}"

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
        dumped = {**self.model_dump(mode="json"), "intermediate": self.intermediate.hashed()}
        dumped["finetune"] = self.finetune.hashed()  # unset newer options keep the hash
        payload = json.dumps(dumped, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def language_meta(self):
        """Language metadata (family, coordinates) of the first target whose dataset has its own.

        That is a task spec field (:attr:`TaskSpec.language_meta`, e.g. UDHR's languages.csv):
        the analysis then clusters by family and draws the world map from these coordinates; for
        other tasks it derives families and coordinates from URIEL.
        """
        from xstilts.tasks.registry import all_tasks

        specs = all_tasks()  # the built-in tasks, and any task_modules imported by now
        for name in self.targets:
            spec = specs.get(name)
            if spec is not None and spec.language_meta:
                return spec.read_language_meta(self.data_dir)
        return None


MAX_SHOWN_ERRORS = 8  # a config with more problems is probably the wrong file


def _allowed_fields(parent: tuple) -> list[str]:
    """The field names allowed at ``parent`` (a location inside ExperimentConfig)."""
    model: Any = ExperimentConfig
    for part in parent:
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None) if field else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if model is None:
            return []
    return sorted(model.model_fields)


def _short(value: Any) -> str:
    """A value for an error message, never a whole config section."""
    if isinstance(value, dict):
        keys = ", ".join(map(str, list(value)[:6])) + (", ..." if len(value) > 6 else "")
        return f"a mapping with keys {keys}" if value else "an empty mapping"
    if isinstance(value, list) and len(repr(value)) > 60:
        return f"a list of {len(value)} items"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _set_by(path: str, set_by: dict[str, str]) -> str:
    for key, override in set_by.items():
        if path == key or path.startswith(key + "."):
            return f" (from --set {override})"
    return ""


def _problems(error: ValidationError, set_by: dict[str, str]) -> list[tuple[str, str]]:
    """(problem, fix) per error; an unknown key is reported next to the required field it misspells."""
    from xstilts.errors import did_you_mean

    details = error.errors()
    dotted = [".".join(str(part) for part in e["loc"]) or "(top level)" for e in details]
    extras = {i: e["loc"] for i, e in enumerate(details) if e["type"] == "extra_forbidden"}
    paired: set[int] = set()
    out = []
    for i, detail in enumerate(details):
        loc, kind = detail["loc"], detail["type"]
        if kind == "missing":
            siblings = {str(extras[j][-1]): j for j in extras if extras[j][:-1] == loc[:-1]}
            close = difflib.get_close_matches(str(loc[-1]), list(siblings), n=1, cutoff=0.6)
            if close:
                paired.add(siblings[close[0]])
                out.append(
                    (
                        f"required field {dotted[i]!r} is missing, and unknown field {close[0]!r} is given",
                        f"did you mean {str(loc[-1])!r}? rename {close[0]!r} to {str(loc[-1])!r}",
                    )
                )
            else:
                out.append((f"required field {dotted[i]!r} is missing", f"add {str(loc[-1])!r}"))
        elif kind == "extra_forbidden":
            continue  # below, after the missing fields have claimed their misspellings
        else:
            message = detail["msg"].removeprefix("Value error, ")
            origin = _set_by(dotted[i], set_by)
            out.append((f"field {dotted[i]!r}{origin}: {message}", f"got {_short(detail.get('input'))}"))
    for i, loc in extras.items():
        if i in paired:
            continue
        allowed = _allowed_fields(loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        fix = f"{hint + ' ' if hint else ''}allowed here: {', '.join(allowed)}" if allowed else "remove it"
        out.append((f"unknown field {dotted[i]!r}{_set_by(dotted[i], set_by)}", fix))
    return out


def _format_validation_error(
    error: ValidationError, source: Path | str, set_by: dict[str, str] | None = None
) -> ConfigError:
    """Every problem at once (up to :data:`MAX_SHOWN_ERRORS`), in one line."""
    problems = _problems(error, set_by or {})
    if len(problems) == 1:
        problem, fix = problems[0]
        return ConfigError(problem, file=source, fix=fix)
    shown = "; ".join(f"{problem} ({fix})" for problem, fix in problems[:MAX_SHOWN_ERRORS])
    more = len(problems) - MAX_SHOWN_ERRORS
    tail = f"; and {more} more" if more > 0 else ""
    return ConfigError(
        f"{len(problems)} problems: {shown}{tail}", file=source, fix="correct each field named"
    )


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
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise decode_error(error, source, "the experiment file", ConfigError) from None
    try:
        loader = _UniqueKeyLoader(text)
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
    _resolve_paths(raw, source.resolve().parent)
    set_by = {}
    for override in overrides or []:
        set_by[_apply_override(raw, override, source)] = override
    try:
        config = ExperimentConfig.model_validate(raw)
    except ValidationError as error:
        raise _format_validation_error(error, source, set_by) from None
    config._source = source
    config._overrides = list(overrides or [])
    return config


PATH_FIELDS = ("output_dir", "artifact_dir", "data_dir")


def _resolve_paths(raw: dict, folder: Path) -> None:
    """Relative paths written in the file mean "relative to this file", wherever the CLI runs.

    Without ``output_dir`` the run folder is ``runs/<name>`` next to the file.
    """
    if "output_dir" not in raw and isinstance(raw.get("name"), str):
        raw["output_dir"] = str(folder / "runs" / raw["name"])
    for name in PATH_FIELDS:
        value = raw.get(name)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            raw[name] = os.path.normpath(folder / value)
    mlflow = (raw.get("tracking") or {}).get("mlflow") if isinstance(raw.get("tracking"), dict) else None
    if isinstance(mlflow, dict) and isinstance(mlflow.get("uri"), str):
        mlflow["uri"] = _resolve_store_uri(mlflow["uri"], folder)


def _resolve_store_uri(uri: str, folder: Path) -> str:
    """``sqlite:///mlflow.db`` and ``./mlruns`` are relative to the file too; servers stay as given."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return f"sqlite:///{os.path.normpath(folder / uri[len('sqlite:///') :])}"
    if "://" not in uri and not Path(uri).expanduser().is_absolute():
        return os.path.normpath(folder / uri)
    return uri


def _override_value(text: str) -> Any:
    """``a,b,c`` is a list (a sweep axis for phase fields); anything else is read as YAML.

    Quote a string that contains commas (``--set 'description="a, b"'``) or use YAML's ``[a, b]``.
    """
    stripped = text.strip()
    if "," in stripped and stripped[:1] not in "[{\"'":
        return [yaml.safe_load(part) for part in stripped.split(",")]
    return yaml.safe_load(text)


def _apply_override(raw: dict, override: str, source: Path) -> str:
    """Apply one ``--set a.b.c=value`` (value in YAML syntax); returns the dotted key."""
    key, sep, value = override.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(
            f"bad --set {override!r}: expected KEY=VALUE",
            fix="use --set a.b.c=value, e.g. finetune.max_steps=50",
        )
    node = raw
    parts = key.split(".")
    for depth, part in enumerate(parts[:-1]):
        node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            where = ".".join(parts[: depth + 1])
            raise ConfigError(f"bad --set {override!r}: {where!r} is not a mapping", file=source)
    try:
        node[parts[-1]] = _override_value(value)
    except yaml.YAMLError as error:
        raise ConfigError(
            f"bad --set {override!r}: the value is not valid YAML ({getattr(error, 'problem', error)})",
            fix="quote it or fix the brackets, e.g. --set 'seeds=[1, 2]' (quote strings with commas: --set 'description=\"a, b\"')",
        ) from None
    return key
