"""Zero-shot evaluation's shared pieces: the fixed subsample seed, the English reference and the
predictions file format (one JSON line per example, with the gold answer, so any number in a
report can be traced back to the decisions behind it). The job that runs an evaluation is
:func:`xstilts.pipeline.evaluate_jobs.evaluate_finetuned`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xstilts.engine.batching import BatchPlan
from xstilts.engine.features import LabelMap
from xstilts.engine.predict import predict, references, score
from xstilts.tasks.readers.validate import is_unlabelled
from xstilts.tasks.types import get_task_type

EVAL_SEED = 0  # one fixed subsample for every condition: paired comparisons need the same items
REFERENCE = "en"


def write_predictions(path: Path, examples: list[dict[str, Any]], predictions: list, gold: list) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for example, prediction, answer in zip(examples, predictions, gold, strict=True):
            handle.write(
                json.dumps(
                    {"id": example["id"], "prediction": prediction, "gold": answer}, ensure_ascii=False
                )
                + "\n"
            )


def with_placeholder_labels(
    spec, examples: list[dict[str, Any]], labels: LabelMap | None
) -> list[dict[str, Any]]:
    """Label-withheld examples with the first label name filled in, so they can be featurised.

    Features carry label ids (tagging: which pieces start a word); the placeholder is never
    scored and never written as gold.
    """
    first = labels.names[0] if labels else "O"
    kind = get_task_type(spec.task_type)
    return [kind.with_placeholder(example, first) for example in examples]


@dataclass
class LanguageOutcome:
    """One language's evaluation: predictions (in the examples' order), gold and scores.

    ``predict_only`` marks a label-withheld test file: predictions are made, gold is ``None`` per
    example and no metric is computed.
    """

    predictions: list
    gold: list
    scores: dict[str, float]
    predict_only: bool


def evaluate_language(
    model,
    head: str,
    spec,
    examples: list[dict[str, Any]],
    featurize: Callable[[list[dict[str, Any]]], Any],
    labels: LabelMap | None,
    plan: BatchPlan,
    runtime,
    pad_id: int,
    language: str,
) -> LanguageOutcome:
    """Predict one language's examples and score them (unless their labels are withheld).

    ``featurize`` turns examples into model features: the pipeline passes its cached builder,
    the public API an in-memory one.
    """
    predict_only = bool(examples) and is_unlabelled(spec.task_type, examples[0])
    features = featurize(with_placeholder_labels(spec, examples, labels) if predict_only else examples)
    predictions = predict(model, head, spec, features, examples, labels, plan, runtime, pad_id)
    if predict_only:
        return LanguageOutcome(predictions, [None] * len(examples), {}, True)
    return LanguageOutcome(
        predictions, references(spec, examples), score(spec, predictions, examples, language), False
    )
