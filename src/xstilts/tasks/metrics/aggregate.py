"""XTREME's aggregation rules: per-language scores -> task score -> benchmark score.

XTREME (``evaluate.py``) averages a task's metric over its languages with a plain, unweighted mean
(a 200-example language counts as much as a 10k one), and reports a QA task by the mean of its
average EM and average F1. The benchmark/group score is again a plain mean over tasks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from xstilts.tasks.metrics._inputs import MetricInputError


def language_average(scores_by_language: Mapping[str, float]) -> float:
    """Plain mean of per-language scores, as XTREME's ``avg_<metric>``."""
    if not scores_by_language:
        raise MetricInputError(
            "language_average: no per-language scores to average",
            fix="evaluate the task in at least one language first",
        )
    missing = sorted(language for language, score in scores_by_language.items() if math.isnan(score))
    if missing:
        raise MetricInputError(
            f"language_average: NaN score for {', '.join(missing)}",
            fix="re-run the evaluation of those languages",
        )
    return math.fsum(scores_by_language.values()) / len(scores_by_language)


def xtreme_qa_score(
    exact_match_by_language: Mapping[str, float], f1_by_language: Mapping[str, float]
) -> float:
    """XTREME's ``avg_metric`` for a QA task: (average EM + average F1) / 2, over the same languages."""
    if set(exact_match_by_language) != set(f1_by_language):
        only_em = sorted(set(exact_match_by_language) - set(f1_by_language))
        only_f1 = sorted(set(f1_by_language) - set(exact_match_by_language))
        raise MetricInputError(
            f"xtreme_qa_score: EM and F1 cover different languages (EM only: {only_em}, F1 only: {only_f1})",
            fix="average EM and F1 of the same language set",
        )
    return (language_average(exact_match_by_language) + language_average(f1_by_language)) / 2
