"""Accuracy for classification, sentence-pair and multiple-choice tasks (XNLI, PAWS-X, XCOPA, ...).

XTREME's ``evaluate.py`` scores these as the percentage of examples whose predicted label equals
the gold label; Tatoeba is scored the same way on retrieved indices (see ``retrieval.py`` for the
similarity-matrix form).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xstilts.tasks.metrics import register_metric
from xstilts.tasks.metrics._inputs import MetricInputError, check_aligned, mean_percent


def _check_same_kind(predictions: Sequence[Any], references: Sequence[Any]) -> None:
    """Label names compared with label indices are never equal: fail instead of scoring 0."""
    pred_text = all(isinstance(p, str) for p in predictions)
    ref_text = all(isinstance(r, str) for r in references)
    pred_none = not any(isinstance(p, str) for p in predictions)
    ref_none = not any(isinstance(r, str) for r in references)
    if (pred_text and ref_none) or (pred_none and ref_text):
        pred_kind = "label names" if pred_text else "non-string values (indices?)"
        ref_kind = "label names" if ref_text else "non-string values (indices?)"
        raise MetricInputError(
            f"accuracy: predictions are {pred_kind} but references are {ref_kind}",
            fix="map predicted ids to label names (or both to indices) before scoring",
        )


@register_metric(
    "accuracy",
    higher_is_better=True,
    description="Percentage of examples whose prediction equals the gold label (0-100), as XTREME's "
    "evaluate.py scores XNLI and PAWS-X.",
)
def accuracy(predictions: Sequence[Any], references: Sequence[Any], *, language: str | None = None) -> float:
    """Percent of positions where ``predictions[i] == references[i]``."""
    del language  # accuracy does not depend on the language
    check_aligned("accuracy", predictions, references)
    _check_same_kind(predictions, references)
    return mean_percent([float(p == r) for p, r in zip(predictions, references, strict=True)])
