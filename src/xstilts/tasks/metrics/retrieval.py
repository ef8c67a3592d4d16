"""Aligned-retrieval metrics on a similarity matrix (Tatoeba-style parallel sentence retrieval).

``predictions`` is the ``n_source x n_target`` similarity matrix and ``references[i]`` the column of
the translation of source row ``i``. XTREME scores Tatoeba by top-1 accuracy of nearest-neighbour
search; we add the mean reciprocal rank and a continuous margin, which keep moving after accuracy
saturates and so separate intermediate tasks that all reach ~100 % on easy languages.

Ties are resolved *against* the gold: the gold's rank is 1 + the number of other columns whose
similarity is greater than **or equal to** the gold's. A row whose gold ties with a distractor is
therefore not a top-1 hit, its reciprocal rank is at most 1/2, and its margin is 0. This is
deterministic (no dependence on argmax or faiss ordering) and never rewards a model that maps
several sentences to the same point.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from xstilts.tasks.metrics import register_metric
from xstilts.tasks.metrics._inputs import MetricInputError


def _matrix_and_gold(
    metric: str, predictions: Any, references: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    similarity = np.asarray(predictions, dtype=np.float64)
    if similarity.ndim != 2 or similarity.shape[0] == 0 or similarity.shape[1] == 0:
        raise MetricInputError(
            f"{metric}: predictions must be a non-empty 2-D similarity matrix, got shape {similarity.shape}",
            fix="pass sim[i, j] = similarity(source i, target j) as a numpy array",
        )
    if not np.isfinite(similarity).all():
        raise MetricInputError(
            f"{metric}: the similarity matrix holds NaN or infinite values",
            fix="check the embeddings for zero or overflowing vectors",
        )
    raw_gold = np.asarray(references)
    n_source, n_target = similarity.shape
    if raw_gold.ndim != 1 or raw_gold.shape[0] != n_source:
        raise MetricInputError(
            f"{metric}: {n_source} source rows but {raw_gold.size} gold indices",
            fix="give one gold target index per row of the similarity matrix",
        )
    if raw_gold.dtype.kind not in "iu":
        raise MetricInputError(
            f"{metric}: gold indices must be integers, got dtype {raw_gold.dtype}",
            fix="pass the gold column index of each source row",
        )
    gold = raw_gold.astype(np.int64)
    if gold.min() < 0 or gold.max() >= n_target:
        raise MetricInputError(
            f"{metric}: gold index out of range [0, {n_target}) (min {gold.min()}, max {gold.max()})",
            fix="gold indices are column positions of the similarity matrix",
        )
    return similarity, gold


def _gold_scores(similarity: np.ndarray, gold: np.ndarray) -> np.ndarray:
    return similarity[np.arange(similarity.shape[0]), gold]


def gold_ranks(similarity: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """1-based rank of each row's gold column; ties with other columns count against the gold."""
    gold_score = _gold_scores(similarity, gold)[:, None]
    at_least_as_similar = (similarity >= gold_score).sum(axis=1)  # includes the gold itself
    return at_least_as_similar.astype(np.int64)


@register_metric(
    "retrieval_accuracy",
    higher_is_better=True,
    description=(
        "Top-1 retrieval accuracy (0-100) on a source x target similarity matrix, as XTREME's "
        "evaluate.py scores Tatoeba (nearest neighbour of run_retrieval.py); a gold that ties with any "
        "other column is a miss."
    ),
)
def retrieval_accuracy(predictions: Any, references: Sequence[int], *, language: str | None = None) -> float:
    """Percent of source rows whose gold target is strictly the most similar column."""
    del language
    similarity, gold = _matrix_and_gold("retrieval_accuracy", predictions, references)
    return 100.0 * float(np.mean(gold_ranks(similarity, gold) == 1))


@register_metric(
    "mrr",
    higher_is_better=True,
    description=(
        "Mean reciprocal rank of the gold target (0-100) on a similarity matrix; ties with other "
        "columns rank the gold below them. xstilts' own (no official script reports it)."
    ),
)
def mrr(predictions: Any, references: Sequence[int], *, language: str | None = None) -> float:
    """100 x mean of 1 / rank(gold)."""
    del language
    similarity, gold = _matrix_and_gold("mrr", predictions, references)
    return 100.0 * float(np.mean(1.0 / gold_ranks(similarity, gold)))


@register_metric(
    "retrieval_margin",
    higher_is_better=True,
    description=(
        "Mean over source rows of sim(gold) minus the largest similarity to any other target: a raw "
        "(not percent), continuous score that keeps moving when accuracy saturates; > 0 means the "
        "gold wins on average, a tie gives 0. xstilts' own (no official script reports it)."
    ),
)
def retrieval_margin(predictions: Any, references: Sequence[int], *, language: str | None = None) -> float:
    """Mean of ``sim[i, gold_i] - max_{j != gold_i} sim[i, j]`` (same units as the similarities)."""
    del language
    similarity, gold = _matrix_and_gold("retrieval_margin", predictions, references)
    if similarity.shape[1] < 2:
        raise MetricInputError(
            "retrieval_margin: the similarity matrix has a single target column, so no distractor",
            fix="score retrieval against at least two candidate targets",
        )
    distractors = similarity.copy()
    distractors[np.arange(similarity.shape[0]), gold] = -np.inf
    margins = _gold_scores(similarity, gold) - distractors.max(axis=1)
    return float(np.mean(margins))
