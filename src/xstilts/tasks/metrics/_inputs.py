"""Shape checks shared by the metrics.

A metric that silently zips two lists of different lengths scores the wrong examples against
each other and still returns a plausible number; every metric therefore checks its inputs first
and fails with one line that names both lengths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from xstilts.errors import XstiltsError


class MetricInputError(XstiltsError, ValueError):
    """Predictions and references that cannot be scored together.

    Also a :class:`ValueError`, so library callers that treat bad arguments generically still
    catch it; the CLI prints its one-line message like every other :class:`XstiltsError`.
    """


def check_aligned(metric: str, predictions: Sequence[Any], references: Sequence[Any]) -> int:
    """Return the number of examples, or raise if the two sequences differ in length or are empty."""
    n_pred, n_ref = len(predictions), len(references)
    if n_pred != n_ref:
        raise MetricInputError(
            f"{metric}: {n_pred} predictions but {n_ref} references",
            fix="score predictions aligned one-to-one with the references of the same split",
        )
    if n_pred == 0:
        raise MetricInputError(
            f"{metric}: no examples to score (0 predictions, 0 references)",
            fix="check that the evaluation split was read and is not empty",
        )
    return n_pred


def check_tag_sequences(metric: str, predictions: Sequence[Any], references: Sequence[Any]) -> None:
    """Tag metrics: same number of sentences and, sentence by sentence, the same number of tags."""
    check_aligned(metric, predictions, references)
    for index, (pred, ref) in enumerate(zip(predictions, references, strict=True)):
        if isinstance(pred, str) or isinstance(ref, str):
            raise MetricInputError(
                f"{metric}: sentence {index} is a string, not a list of tags",
                fix="pass one list of tags per sentence (list[list[str]])",
            )
        if len(pred) != len(ref):
            raise MetricInputError(
                f"{metric}: sentence {index} has {len(pred)} predicted tags but {len(ref)} gold tags",
                fix="predict exactly one tag per gold token (first sub-token of each word)",
            )
        for tag in (*pred, *ref):
            if not isinstance(tag, str) or not tag:
                raise MetricInputError(
                    f"{metric}: sentence {index} holds the tag {tag!r}; tags must be non-empty strings",
                    fix="map label ids back to tag names before scoring",
                )


def mean_percent(values: Sequence[float]) -> float:
    """Mean of per-example scores in [0, 1], on the 0-100 scale XTREME reports."""
    total = math.fsum(values)
    return 100.0 * total / len(values)
