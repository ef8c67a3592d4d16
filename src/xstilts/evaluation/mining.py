"""Bitext mining as XTREME runs BUCC: LASER's ratio margin with ``max`` retrieval.

XTREME (``third_party/utils_retrieve.py``, from LASER) mines a BUCC corpus pair like this, and
this module does the same in plain numpy (own code; exact nearest neighbours, as faiss'
``IndexFlatIP``):

1. every sentence vector is L2-normalised, so inner products are cosines;
2. each source sentence finds its ``k = 4`` nearest targets and each target its 4 nearest
   sources; ``mean_knn`` is the mean cosine to those neighbours (fewer when a side is smaller);
3. a candidate ``(x, y)`` scores ``cos(x, y) / ((mean_knn(x) + mean_knn(y)) / 2)`` (ratio margin);
4. forward, each source keeps its best-scoring target among its 4 neighbours; backward, each
   target its best source; ``max`` retrieval pools both lists, sorts them by score (highest
   first) and walks down, keeping a pair only when neither its source nor its target was kept
   before (each sentence is used once); pairs scoring ``<= 0`` are dropped (XTREME mines with
   threshold 0).

The threshold that decides which mined pairs count is chosen later, on the sample gold
(:mod:`xstilts.tasks.metrics.bucc`). Equal scores are ordered by position (a stable sort); numpy's
default ``argsort`` that XTREME uses leaves their order unspecified.
"""

from __future__ import annotations

import numpy as np

NEIGHBOURHOOD = 4  # XTREME / LASER's k
BLOCK_ENTRIES = 1 << 24  # similarity entries computed at once (64 MiB in float32)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), as ``faiss.normalize_L2``."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def top_k(queries: np.ndarray, database: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each query's ``k`` largest inner products with the database: ``(similarities, indices)``.

    Rows are sorted by similarity, highest first. Computed in row blocks so that a 400k-sentence
    BUCC corpus never needs its full similarity matrix in memory.
    """
    k = min(k, len(database))
    similarities = np.empty((len(queries), k), dtype=np.float32)
    indices = np.empty((len(queries), k), dtype=np.int64)
    rows = max(1, BLOCK_ENTRIES // max(1, len(database)))
    for start in range(0, len(queries), rows):
        block = queries[start : start + rows] @ database.T
        part = np.argpartition(-block, k - 1, axis=1)[:, :k]
        part_similarities = np.take_along_axis(block, part, axis=1)
        order = np.argsort(-part_similarities, axis=1, kind="stable")
        similarities[start : start + rows] = np.take_along_axis(part_similarities, order, axis=1)
        indices[start : start + rows] = np.take_along_axis(part, order, axis=1)
    return similarities, indices


def _best_candidates(
    similarities: np.ndarray, indices: np.ndarray, own_mean: np.ndarray, other_mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each query, its best neighbour by ratio margin and that margin score."""
    scores = similarities / ((own_mean[:, None] + other_mean[indices]) / 2)
    best = scores.argmax(axis=1)
    rows = np.arange(len(scores))
    return indices[rows, best], scores[rows, best]


def margin_mine(
    source_vectors: np.ndarray, target_vectors: np.ndarray, k: int = NEIGHBOURHOOD
) -> list[tuple[int, int, float]]:
    """Mined ``(source index, target index, ratio-margin score)`` pairs, highest score first."""
    x, y = l2_normalise(source_vectors), l2_normalise(target_vectors)
    if len(x) == 0 or len(y) == 0:
        return []
    forward_similarities, forward_indices = top_k(x, y, k)
    backward_similarities, backward_indices = top_k(y, x, k)
    forward_mean = forward_similarities.mean(axis=1)
    backward_mean = backward_similarities.mean(axis=1)
    forward_best, forward_scores = _best_candidates(
        forward_similarities, forward_indices, forward_mean, backward_mean
    )
    backward_best, backward_scores = _best_candidates(
        backward_similarities, backward_indices, backward_mean, forward_mean
    )
    sources = np.concatenate([np.arange(len(x)), backward_best])
    targets = np.concatenate([forward_best, np.arange(len(y))])
    scores = np.concatenate([forward_scores, backward_scores])
    used_sources: set[int] = set()
    used_targets: set[int] = set()
    mined = []
    for position in np.argsort(-scores, kind="stable"):
        source, target = int(sources[position]), int(targets[position])
        if source in used_sources or target in used_targets:
            continue
        used_sources.add(source)
        used_targets.add(target)
        if scores[position] > 0:
            mined.append((source, target, float(scores[position])))
    return mined
