"""XTREME's aggregation rules: per-language scores -> task score -> benchmark score.

XTREME (``evaluate.py``) averages a task's metric over its languages with a plain, unweighted mean
(a 200-example language counts as much as a 10k one), and reports a QA task by the mean of its
average EM and average F1. The benchmark/group score is again a plain mean over tasks.

This module is the one implementation of those rules: the report's XTREME-style average table
(``analysis.tables``) calls :func:`xtreme_task_score` rather than averaging on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from xstilts.tasks.metrics._inputs import MetricInputError
from xstilts.tasks.metrics.qa import QA_METRIC_PAIRS


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


def qa_metric_pair(metric: str) -> tuple[str, str] | None:
    """The (exact match, F1) pair XTREME averages for a QA task scored by ``metric``; None if not QA.

    Either member of a pair names it. ``metric`` is a registered name: a variant of a score
    (:class:`~xstilts.tasks.metrics.keys.MetricKey`) is averaged with the same variant of its
    partner, which the caller reads with the same qualifiers.
    """
    for exact_match, f1 in QA_METRIC_PAIRS:
        if metric in (exact_match, f1):
            return exact_match, f1
    return None


def xtreme_task_score(metric: str, scores_by_metric: Mapping[str, Mapping[str, float]]) -> float:
    """A task's XTREME score: the plain language mean of ``metric``, or for QA (avg EM + avg F1) / 2.

    ``scores_by_metric`` maps metric name -> language -> score; a QA task needs both members of its
    :func:`qa_metric_pair`.
    """
    pair = qa_metric_pair(metric)
    if pair is None:
        return language_average(_scores_of(metric, scores_by_metric))
    exact_match, f1 = pair
    return xtreme_qa_score(_scores_of(exact_match, scores_by_metric), _scores_of(f1, scores_by_metric))


def _scores_of(metric: str, scores_by_metric: Mapping[str, Mapping[str, float]]) -> Mapping[str, float]:
    if metric not in scores_by_metric:
        raise MetricInputError(
            f"xtreme_task_score: no {metric} scores (have {', '.join(sorted(scores_by_metric)) or 'none'})",
            fix=f"score {metric} in every language of the task",
        )
    return scores_by_metric[metric]
