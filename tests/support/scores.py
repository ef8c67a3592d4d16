"""Stored scores as comparable tuples: what "the same results" means in the end-to-end tests."""

from __future__ import annotations

# A score's identity (what was scored, in which language, how) and its value.
SCORE_FIELDS = [
    "condition",
    "seed",
    "target_task",
    "language",
    "metric",
    "variant",
    "direction",
    "reference",
    "value",
]


def score_tuples(frame) -> list[tuple]:
    """Every row of a store's scores frame as a sorted list of (identity..., value) tuples."""
    return sorted(tuple(row) for row in frame[SCORE_FIELDS].itertuples(index=False))
