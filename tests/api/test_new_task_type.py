"""Adding a task type is one module: this one defines a regression type, its head and its metric.

Nothing else in xstilts is touched. The type object declares its fields and validation, builds
features with a float ``score`` column, says how collation carries it to the head, names the
head (defined below: it needs torch, which the type table does not import), decodes the head's
outputs into numbers and gives the references the metric takes. Registered in the type table,
it trains and evaluates through the public API exactly as the built-in types do. Every
per-type step asks the table: a featuriser, collator, head builder or decoder with its own
per-type branch would fail on a type it has never heard of (and, once the type leaves the
table, so does building its model).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from torch import nn

from tests.support.tiny import N_CONCEPTS, _word
from xstilts import api
from xstilts.errors import DataFormatError, UnknownNameError
from xstilts.models.heads import pool
from xstilts.tasks import metrics
from xstilts.tasks.metrics import register_metric
from xstilts.tasks.readers.validate import check_examples
from xstilts.tasks.spec import Role, TaskSpec
from xstilts.tasks.types import Column, TaskTypeDef, get_task_type, register_task_type, unregister_task_type


def r_squared(predictions: list[float], references: list[float], *, language: str | None = None) -> float:
    """Coefficient of determination x 100 (predicting the gold mean scores 0): the type's metric."""
    gold = np.asarray(references, dtype=float)
    residual = ((np.asarray(predictions, dtype=float) - gold) ** 2).sum()
    return 100.0 * (1.0 - residual / ((gold - gold.mean()) ** 2).sum())


class RegressionHead(nn.Module):
    """One number per text: a linear layer on the mean-pooled encoder states, squared-error loss."""

    def __init__(self, hidden: int, spec) -> None:
        super().__init__()
        self.spec = spec
        self.out = nn.Linear(hidden, 1)

    def forward(self, hidden, batch):
        value = self.out(pool(hidden, batch["attention_mask"], "mean")).float()
        loss = nn.functional.mse_loss(value[:, 0], batch["targets"]) if "targets" in batch else None
        return value, loss


class Regression(TaskTypeDef):
    """A text -> a real number (here: the share of a sentence's words that name a tagged concept)."""

    name = "toy_regression"
    fields = ("id", "text", "score")
    gold_field = "score"
    text_fields = ("text",)
    head = f"{__name__}:RegressionHead"
    columns = (Column("score", "targets", dtype="float32"),)

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        score = example["score"]
        return (
            ""
            if isinstance(score, int | float) and not isinstance(score, bool)
            else f"score {score!r} is not a number"
        )

    def featurize(self, spec, examples, tokenizer, labels, max_length, doc_stride=None) -> dict[str, list]:
        enc = tokenizer([e["text"] for e in examples], truncation=True, max_length=max_length)
        return {"input_ids": enc["input_ids"], "score": [float(e["score"]) for e in examples]}

    def decode(self, spec, outputs, features, examples, labels) -> list:
        values = np.zeros(len(features))
        for indices, logits in outputs:
            values[indices] = logits[:, 0]
        return [float(v) for v in values]

    def references(self, examples: list[dict[str, Any]]) -> list:
        return [float(e["score"]) for e in examples]


REGRESSION = Regression()


def scored_sentences(language: str, n: int, seed: int) -> list[dict]:
    """Tiny-world sentences scored by the share of their concepts below 12 (tinytags' non-O words)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        concepts = [rng.randrange(N_CONCEPTS) for _ in range(rng.randint(3, 6))]
        text = " ".join(_word(c, language) for c in concepts)
        out.append(
            {"id": f"{language}-{i}", "text": text, "score": sum(c < 12 for c in concepts) / len(concepts)}
        )
    return out


@pytest.fixture(scope="module")
def share_task():
    """The type (and its metric) registered, and a task of that type; both removed afterwards.

    The metric goes into a copy of the metric table, so that other tests see only xstilts' own.
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(metrics, "_METRICS", dict(metrics.all_metrics()))
    register_metric("toy_r2")(r_squared)
    register_task_type(REGRESSION)
    spec = TaskSpec(
        name="tinyshare", task_type="toy_regression", roles=(Role.TARGET,), description="toy regression",
        languages=("en", "de"), metrics=("toy_r2",), reader=f"{__name__}:scored_sentences",
        files={"test": "tinyshare/test-{lang}.jsonl"}, max_length=16,
    )  # fmt: skip
    yield spec
    unregister_task_type(REGRESSION.name)
    patch.undo()


def test_a_new_task_type_trains_and_evaluates_through_the_public_api(tiny_world, share_task):
    assert get_task_type(share_task.task_type) is REGRESSION
    model = api.load_model(
        tiny_world["model"], heads=[share_task], runtime=api.choose_runtime("fp32", "cpu", 1),
        embedding_mode="full", seed=1,
    )  # fmt: skip
    assert isinstance(model.network.heads["tinyshare"], RegressionHead)
    tests = {lang: scored_sentences(lang, 60, 100 + i) for i, lang in enumerate(("en", "de"))}
    before = api.evaluate_languages(model, share_task, tests)
    settings = api.TrainSettings(
        max_steps=80, learning_rate=3e-3, eval_every=0, embedding_mode="full", plan=api.BatchPlan(batch_size=8)
    )  # fmt: skip
    train_sets = {
        ("tinyshare", lang): scored_sentences(lang, 120, seed) for seed, lang in enumerate(("en", "de"))
    }
    api.fit(model, {key: api.featurize(model, share_task, rows, key[1]) for key, rows in train_sets.items()},
            settings, seed=1)  # fmt: skip
    after = api.evaluate_languages(model, share_task, tests)
    for language, outcome in after.items():
        assert all(isinstance(p, float) for p in outcome["predictions"]) and len(outcome["predictions"]) == 60
        assert outcome["gold"] == [e["score"] for e in tests[language]]
        # an untrained head is worse than predicting the mean (R² < 0); the trained one explains most
        assert before[language]["scores"]["toy_r2"] < 0 < 60 < outcome["scores"]["toy_r2"], language


def test_the_new_types_validation_and_withheld_labels_come_from_its_object(share_task):
    good = scored_sentences("en", 3, 0)
    check_examples(share_task, good, "toy")
    with pytest.raises(DataFormatError, match="score 'high' is not a number"):
        check_examples(share_task, [*good, {"id": "x", "text": "ka01", "score": "high"}], "toy")
    with pytest.raises(DataFormatError, match="lacks score"):
        check_examples(share_task, [{"id": "x", "text": "ka01"}], "toy")
    assert REGRESSION.is_unlabelled({"id": "x", "text": "ka01", "score": None})


def test_a_type_outside_the_table_is_refused_by_name(tiny_world, share_task):
    unregister_task_type(REGRESSION.name)
    try:
        with pytest.raises(UnknownNameError, match="unknown task type 'toy_regression'"):
            api.load_model(
                tiny_world["model"], heads=[share_task], runtime=api.choose_runtime("fp32", "cpu", 1)
            )
        with pytest.raises(ValueError, match="unknown task type 'toy_regression'"):
            share_task.model_validate(share_task.model_dump())
    finally:
        register_task_type(REGRESSION)
