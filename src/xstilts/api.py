"""The public Python API: load a model, fine-tune it and evaluate it in many languages, no YAML.

A notebook session in four calls::

    from xstilts import api

    model = api.load_model("multilingual-e5-small", heads=["xnli"])
    api.fit(model, {("xnli", "en"): train_examples}, api.TrainSettings(max_steps=200))
    results = api.evaluate_languages(model, "xnli", {"en": en_test, "de": de_test})
    results["de"]["scores"]["accuracy"], results["de"]["predictions"][:5]

Examples are the dicts xstilts' readers produce (``xstilts.tasks.loading.read_examples``, or
your own with the same fields). Tokenisation and features happen inside, in memory; the
experiment pipeline runs the same engine with its caches, store and jobs around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xstilts.engine.batching import BatchPlan
from xstilts.engine.features import LabelMap, build_features
from xstilts.engine.precision import RuntimeChoice, choose_runtime
from xstilts.engine.predict import default_evaluation_plan
from xstilts.engine.predict import predict as engine_predict
from xstilts.engine.predict import score as engine_score
from xstilts.errors import ConfigError, DataFormatError
from xstilts.evaluation.retrieval import Embedder
from xstilts.evaluation.zero_shot import evaluate_language
from xstilts.models.assemble import WEIGHTS, assemble
from xstilts.models.heads import HeadSpec
from xstilts.models.loading import load_tokenizer
from xstilts.models.multitask import MLM_HEAD, MultiTaskModel, save_delta, trainable_keys
from xstilts.tasks.registry import get_task
from xstilts.tasks.spec import TaskSpec
from xstilts.training.optim import EmbeddingMode, configure_embeddings
from xstilts.training.prepare import prepare_model
from xstilts.training.trainer import TrainEntry, TrainResult, TrainSettings, train

__all__ = [
    "BatchPlan",
    "Features",
    "Model",
    "TrainResult",
    "TrainSettings",
    "choose_runtime",
    "embed",
    "evaluate_languages",
    "featurize",
    "fit",
    "label_names",
    "load_model",
    "predict",
    "save",
    "score",
]


@dataclass
class Model:
    """A model ready to train and evaluate: network, tokenizer, device choice and label sets."""

    network: MultiTaskModel
    tokenizer: Any
    runtime: RuntimeChoice
    labels: dict[str, LabelMap | None] = field(default_factory=dict)
    name: str = ""
    compiled: bool = False
    inherited: set[str] = field(default_factory=set)  # encoder parameters a parent checkpoint changed

    @property
    def pad_id(self) -> int:
        return self.tokenizer.pad_token_id


@dataclass
class Features:
    """Examples of one task in one language, tokenised for ``model`` (see :func:`featurize`)."""

    spec: TaskSpec
    language: str
    examples: list[dict[str, Any]]
    dataset: Any  # an in-memory Arrow dataset of feature columns


def _spec(task: str | TaskSpec) -> TaskSpec:
    return task if isinstance(task, TaskSpec) else get_task(task)


def _label_map(spec: TaskSpec, names: Sequence[str] | None) -> LabelMap | None:
    if names is not None:
        return LabelMap(names)
    try:
        return LabelMap.for_task(spec)
    except DataFormatError as error:  # an open label set: the names must come from the caller
        raise ConfigError(
            f"task {spec.name!r} has an open label set",
            fix=f"pass labels={{{spec.name!r}: [...]}} to load_model "
            "(api.label_names(task, train_examples) derives them)",
        ) from error


def label_names(task: str | TaskSpec, train_examples: list[dict[str, Any]]) -> list[str] | None:
    """The task's label set: fixed by its spec, or the sorted labels seen in ``train_examples``."""
    labels = LabelMap.for_task(_spec(task), train_examples)
    return labels.names if labels else None


def load_model(
    name_or_folder: str | Path,
    heads: Iterable[str | TaskSpec] = (),
    *,
    labels: Mapping[str, Sequence[str]] | None = None,
    runtime: RuntimeChoice | None = None,
    parent: str | Path | None = None,
    pooling: str = "mean",
    dropout: float = 0.1,
    embedding_mode: EmbeddingMode = "frozen",
    gradient_checkpointing: bool = False,
    compile_encoder: bool = False,
    with_mlm: bool = False,
    seed: int | None = None,
) -> Model:
    """The pretrained encoder with a fresh head per task in ``heads``, on the chosen device.

    ``name_or_folder`` is a registry name (``multilingual-e5-small``), a Hugging Face id in the
    local cache or a model folder. ``parent`` is an xstilts artifact folder whose encoder changes
    are applied first (STILTs: fine-tune on top of an intermediate-task checkpoint). ``seed``
    fixes the fresh heads' initialisation; ``runtime`` defaults to detection
    (:func:`choose_runtime`).
    """
    import torch

    name = str(name_or_folder)
    runtime = runtime or choose_runtime()
    specs = [_spec(task) for task in heads]
    label_maps = {spec.name: _label_map(spec, (labels or {}).get(spec.name)) for spec in specs}
    head_specs = {
        spec.name: HeadSpec(
            str(spec.task_type),
            len(label_maps[spec.name].names) if label_maps[spec.name] else 0,
            pooling,
            dropout,
        )
        for spec in specs
    }
    if seed is not None:
        torch.manual_seed(seed)
    network, inherited = assemble(name, head_specs, Path(parent) if parent else None, with_mlm=with_mlm)
    prepare_model(
        network, runtime.device, embedding_mode,
        gradient_checkpointing=gradient_checkpointing, compile_encoder=compile_encoder,
    )  # fmt: skip
    return Model(network, load_tokenizer(name), runtime, label_maps, name, compile_encoder, inherited)


def save(model: Model, folder: str | Path) -> Path:
    """Write what training changed (encoder delta + heads) as ``folder/model.safetensors``.

    Only the trainable parameters (and those a parent had changed) are written, as the pipeline's
    artifacts do; ``load_model(name, parent=folder)`` starts a later phase from them.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = trainable_keys(model.network) | model.inherited
    save_delta(model.network, folder / WEIGHTS, {k for k in changed if not k.startswith(f"heads.{MLM_HEAD}")})
    return folder


def featurize(
    model: Model,
    task: str | TaskSpec,
    examples: list[dict[str, Any]],
    language: str = "en",
    max_length: int | None = None,
) -> Features:
    """Tokenise ``examples`` for ``model`` (``max_length``: the task's own unless given)."""
    import datasets

    spec = _spec(task)
    columns = build_features(
        spec, examples, model.tokenizer, model.labels.get(spec.name), max_length or spec.max_length
    )
    return Features(spec, language, examples, datasets.Dataset.from_dict(columns))


TrainSets = Mapping[str | tuple[str, str], "list[dict[str, Any]] | Features"]


def _as_features(model: Model, key: str | tuple[str, str], data, max_length: int | None) -> Features:
    task, language = (key, "en") if isinstance(key, str) else key
    if isinstance(data, Features):
        return data
    return featurize(model, task, data, language, max_length)


def _head_of(model: Model, spec: TaskSpec) -> str:
    if spec.name not in model.network.heads:
        raise ConfigError(
            f"the model has no head for task {spec.name!r} (heads: {sorted(model.network.heads)})",
            fix=f"load it with load_model(..., heads=[{spec.name!r}, ...])",
        )
    return spec.name


def fit(
    model: Model,
    train_sets: TrainSets,
    settings: TrainSettings | None = None,
    *,
    dev_sets: TrainSets | None = None,
    seed: int = 0,
    max_length: int | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
) -> TrainResult:
    """Train ``model`` in place on ``{(task, language): examples}`` (a bare task name means English).

    Several entries train multi-task, sampled as ``settings.sampling`` says; ``dev_sets`` (same
    keys) are scored every ``settings.eval_every`` steps and the best weights are kept. Values
    may be example lists or :class:`Features` from :func:`featurize` (to time tokenising apart).
    """
    import torch

    settings = settings or TrainSettings()
    configure_embeddings(model.network.encoder, settings.embedding_mode)
    entries = []
    for key, data in train_sets.items():
        features = _as_features(model, key, data, max_length)
        spec = features.spec
        dev = (dev_sets or {}).get(key)
        dev_features = _as_features(model, key, dev, max_length) if dev is not None else None
        entries.append(
            TrainEntry(
                f"{spec.name}:{features.language}",
                _head_of(model, spec),
                spec,
                features.dataset,
                dev_features.dataset if dev_features else None,
                dev_features.examples if dev_features else None,
                model.labels.get(spec.name),
                features.language,
            )
        )
    runnable = torch.compile(model.network, dynamic=False) if model.compiled else model.network
    return train(runnable, entries, settings, model.runtime, seed, model.tokenizer, on_step=on_step)


def evaluate_languages(
    model: Model,
    task: str | TaskSpec,
    examples_by_language: Mapping[str, list[dict[str, Any]] | Features],
    *,
    plan: BatchPlan | None = None,
    max_length: int | None = None,
) -> dict[str, dict[str, Any]]:
    """``{language: {"scores", "predictions", "gold", "n", "predict_only"}}`` for one task's head.

    Predictions and gold are in the order of that language's examples; a language whose
    examples withhold their labels is predicted only (no scores). Values may be example lists
    or :class:`Features` from :func:`featurize` (to time prediction apart from tokenising).
    """
    spec = _spec(task)
    head = _head_of(model, spec)
    labels = model.labels.get(spec.name)
    plan = plan or default_evaluation_plan(model.runtime)
    model.network.eval()
    results = {}
    for language, data in examples_by_language.items():
        examples = data.examples if isinstance(data, Features) else data

        def featurize_language(rows, language=language, data=data):
            if isinstance(data, Features) and rows is data.examples:  # tokenised already
                return data.dataset
            return featurize(model, spec, rows, language, max_length).dataset

        outcome = evaluate_language(
            model.network, head, spec, examples, featurize_language, labels, plan, model.runtime,
            model.pad_id, language,
        )  # fmt: skip
        results[language] = {
            "scores": outcome.scores,
            "predictions": outcome.predictions,
            "gold": outcome.gold,
            "n": len(examples),
            "predict_only": outcome.predict_only,
        }
    return results


def predict(
    model: Model,
    task: str | TaskSpec,
    data: list[dict[str, Any]] | Features,
    *,
    language: str = "en",
    plan: BatchPlan | None = None,
    max_length: int | None = None,
) -> list:
    """Predictions for one language's examples, in their order (label names, choice indices,
    tag lists or answer strings); no scoring, so labels may be absent."""
    spec = _spec(task)
    features = data if isinstance(data, Features) else featurize(model, spec, data, language, max_length)
    labels = model.labels.get(spec.name)
    plan = plan or default_evaluation_plan(model.runtime)
    return engine_predict(
        model.network, _head_of(model, spec), spec, features.dataset, features.examples, labels, plan,
        model.runtime, model.pad_id,
    )  # fmt: skip


def score(
    task: str | TaskSpec, predictions: list, examples: list[dict[str, Any]], language: str = "en"
) -> dict[str, float]:
    """Every metric of the task (0-100 scales) for predictions against the examples' gold."""
    return engine_score(_spec(task), predictions, examples, language)


def embed(
    model: Model,
    texts: list[str],
    *,
    layer: int | None = None,
    pooling: str = "mean",
    prefix: str = "",
    max_length: int = 128,
    plan: BatchPlan | None = None,
) -> np.ndarray:
    """Unit-length sentence embeddings ``[len(texts), hidden]`` (``layer``: the last unless given).

    Layers count as in retrieval evaluation: 0 is the embedding output, n the n-th layer's.
    ``prefix`` is prepended to every text (e5 models expect ``"query: "``).
    """
    chosen = model.network.encoder.config.num_hidden_layers if layer is None else layer
    model.network.eval()
    embedder = Embedder(
        model.network, model.tokenizer, model.runtime, plan or default_evaluation_plan(model.runtime),
        [chosen], pooling, prefix, max_length,
    )  # fmt: skip
    return embedder(texts)
