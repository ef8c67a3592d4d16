"""Extractive-QA metrics: exact match and token F1, each with the rule of its official script.

Per example (positionally aligned): ``prediction`` is the answer string and ``references`` the list
of gold answer texts. EM and F1 take the max over gold answers. Two official rules differ on
answers that normalise to the empty string:

- **SQuAD v1.1** (``evaluate-v1.1.py``) and **MLQA v1** (``mlqa_evaluation_v1.py``), which XTREME's
  ``evaluate.py`` uses for XQuAD, TyDiQA-GoldP and MLQA: every gold answer stays in the max, also
  one that normalises to ``""``; EM compares the normalised strings (both empty: EM 1) and F1 is 0
  whenever the two share no token (both empty: F1 0). A reference list must not be empty: these
  scripts have no "no answer".
- **SQuAD v2.0** (``evaluate-v2.0.py``), only for ``squad_v2``: gold answers that normalise to
  nothing are dropped, an example without gold answers has the single gold ``""`` ("no answer"),
  and the F1 of a pair where either side has no tokens is 1 if both have none, else 0.

Which normaliser (see ``qa_normalization``), all with the v1.1 / MLQA v1 rule:

- ``exact_match`` / ``qa_f1``: SQuAD for English (and when no language is given), MLQA's rules for
  every other language.
- ``squad_exact_match`` / ``squad_f1``: SQuAD whatever the language: what XTREME reports for XQuAD
  and TyDiQA-GoldP (its ``evaluate_squad`` ignores the language).
- ``mlqa_exact_match`` / ``mlqa_f1``: MLQA's rules, English included: what XTREME reports for MLQA.

``squad_v2_exact_match`` / ``squad_v2_f1`` follow ``evaluate-v2.0.py`` (SQuAD normalisation, v2.0
rule). The official v2.0 extras (HasAns/NoAns breakdown, best no-answer threshold) are plain
functions: :func:`squad_v2_report`, :func:`best_no_answer_threshold`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

from xstilts.tasks.metrics import register_metric
from xstilts.tasks.metrics._inputs import MetricInputError, check_aligned, mean_percent
from xstilts.tasks.metrics.qa_normalization import normalizer_for

Normalizer = Callable[[str], str]


def _check_qa_inputs(metric: str, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> None:
    check_aligned(metric, predictions, references)
    for index, (prediction, gold) in enumerate(zip(predictions, references, strict=True)):
        if not isinstance(prediction, str):
            raise MetricInputError(
                f"{metric}: prediction {index} is {type(prediction).__name__}, not a string",
                fix='predict an answer string, "" for no answer',
            )
        if isinstance(gold, str) or not all(isinstance(text, str) for text in gold):
            raise MetricInputError(
                f"{metric}: references[{index}] must be a list of answer strings, got {gold!r}",
                fix="pass [a['text'] for a in example['answers']] ([] for unanswerable)",
            )


V1, V2 = "v1", "v2"  # SQuAD v1.1 / MLQA v1 rule, SQuAD v2.0 rule


def _gold_texts(
    gold: Sequence[str], normalize: Normalizer, scheme: str, metric: str, index: int
) -> list[str]:
    """The golds to take the max over.

    v2.0 drops gold answers that normalise to nothing (none left means "no answer"); v1.1 and
    MLQA keep every gold answer and cannot score a question without one (their max is undefined).
    """
    if scheme == V2:
        return [text for text in gold if normalize(text)] or [""]
    if not gold:
        raise MetricInputError(
            f"{metric}: references[{index}] holds no gold answer, which SQuAD v1.1/MLQA scoring cannot score",
            fix="score unanswerable questions with squad_v2_exact_match / squad_v2_f1",
        )
    return list(gold)


def _exact(prediction: str, gold: str, normalize: Normalizer) -> float:
    return float(normalize(prediction) == normalize(gold))


def _token_f1(prediction: str, gold: str, normalize: Normalizer, scheme: str = V1) -> float:
    """Token-overlap F1; v2.0 scores "no tokens" against "no tokens" as 1, v1.1/MLQA as 0."""
    predicted_tokens = normalize(prediction).split()
    gold_tokens = normalize(gold).split()
    if scheme == V2 and (not predicted_tokens or not gold_tokens):
        return float(predicted_tokens == gold_tokens)  # no-answer: right only if both are empty
    overlap = sum((Counter(predicted_tokens) & Counter(gold_tokens)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(predicted_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def example_scores(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    language: str | None = None,
    rules: str = "auto",
    scheme: str = V1,
    metric: str = "qa",
) -> tuple[list[float], list[float]]:
    """Per-example EM and F1 in [0, 1] (max over gold answers), for reports and thresholds.

    ``scheme`` is the official rule (``"v1"``: SQuAD v1.1 / MLQA v1; ``"v2"``: SQuAD v2.0);
    ``metric`` only names the caller in error messages.
    """
    _check_qa_inputs(metric, predictions, references)
    if scheme not in (V1, V2):
        raise MetricInputError(f"unknown QA scoring rule {scheme!r}", fix="use 'v1' or 'v2'")
    normalize = normalizer_for(language, rules=rules)
    exact_scores, f1_scores = [], []
    for index, (prediction, gold) in enumerate(zip(predictions, references, strict=True)):
        texts = _gold_texts(gold, normalize, scheme, metric, index)
        exact_scores.append(max(_exact(prediction, text, normalize) for text in texts))
        f1_scores.append(max(_token_f1(prediction, text, normalize, scheme) for text in texts))
    return exact_scores, f1_scores


def _percent(name: str, kind: int, rules: str, scheme: str, description: str) -> Callable[..., float]:
    def score(
        predictions: Sequence[str], references: Sequence[Sequence[str]], *, language: str | None = None
    ) -> float:
        per_example = example_scores(
            predictions, references, language=language, rules=rules, scheme=scheme, metric=name
        )
        return mean_percent(per_example[kind])

    score.__name__ = score.__qualname__ = name
    score.__doc__ = description
    return score


_EM, _F1 = 0, 1
_RULES_TEXT = {
    "auto": "SQuAD v1.1 normalisation for English (or no language), MLQA's per-language rules otherwise",
    "squad": "SQuAD v1.1 normalisation in every language, as XTREME scores XQuAD and TyDiQA-GoldP",
    "mlqa": "MLQA's per-language normalisation (English included), as XTREME scores MLQA",
}
_SCHEME_TEXT = {
    V1: "; rule of evaluate-v1.1.py / mlqa_evaluation_v1.py: every gold kept, both empty gives EM 1 and F1 0",
    V2: '; rule of SQuAD evaluate-v2.0.py ("" / [] = no answer; both empty scores 100)',
}

# (exact match, F1) of one rule: XTREME reports a QA task by both (see metrics.aggregate).
_QA_FAMILIES = (
    ("exact_match", "qa_f1", "auto", V1),
    ("squad_exact_match", "squad_f1", "squad", V1),
    ("mlqa_exact_match", "mlqa_f1", "mlqa", V1),
    ("squad_v2_exact_match", "squad_v2_f1", "squad", V2),
)
QA_METRIC_PAIRS: tuple[tuple[str, str], ...] = tuple((em, f1) for em, f1, _, _ in _QA_FAMILIES)

for _name, _kind, _rules, _scheme in (
    (name, kind, rules, scheme)
    for em, f1, rules, scheme in _QA_FAMILIES
    for name, kind in ((em, _EM), (f1, _F1))
):
    _what = "Exact match (0-100)" if _kind == _EM else "Token-overlap F1 (0-100)"
    _rules_text = "SQuAD v2.0 normalisation" if _scheme == V2 else _RULES_TEXT[_rules]
    _description = f"{_what}; {_rules_text}{_SCHEME_TEXT[_scheme]}."
    register_metric(_name, higher_is_better=True, description=_description)(
        _percent(_name, _kind, _rules, _scheme, _description)
    )


def _check_probs(no_answer_probs: Sequence[float], n: int) -> list[float]:
    probs = [float(p) for p in no_answer_probs]
    if len(probs) != n:
        raise MetricInputError(
            f"qa: {len(probs)} no-answer probabilities for {n} examples",
            fix="give one no-answer probability (or score) per example",
        )
    if any(math.isnan(p) for p in probs):
        raise MetricInputError("qa: a no-answer probability is NaN", fix="check the model's null scores")
    return probs


def best_no_answer_threshold(
    scores: Sequence[float], has_answer: Sequence[bool], no_answer_probs: Sequence[float]
) -> tuple[float, float]:
    """The official ``find_best_thresh``: best score (percent) and the threshold that reaches it.

    At threshold ``t`` an example keeps its prediction when its no-answer probability is ``<= t``
    and is answered "no answer" otherwise (then it scores 1 exactly when it is unanswerable). The
    sweep starts with every example forced to "no answer" (threshold just below the smallest
    probability) and raises ``t`` through the sorted probabilities. Two deliberate refinements over
    the official loop, identical to it when probabilities are distinct and predictions are not
    punctuation-only: examples with *equal* probabilities are added together (a threshold cannot
    separate them), and keeping an unanswerable example's prediction changes the score by
    ``score - 1`` rather than by -1 for any non-empty string.
    """
    n = len(scores)
    if len(has_answer) != n:
        raise MetricInputError(f"qa: {len(has_answer)} has-answer flags for {n} scores", fix="align them")
    probs = _check_probs(no_answer_probs, n)
    if n == 0:
        raise MetricInputError("qa: no examples to threshold", fix="score a non-empty split")
    current = float(sum(1 for has in has_answer if not has))
    best, best_threshold = current, math.nextafter(min(probs), -math.inf)
    order = sorted(range(n), key=lambda i: probs[i])
    start = 0
    while start < n:
        level = probs[order[start]]
        stop = start
        while stop < n and probs[order[stop]] == level:
            i = order[stop]
            current += scores[i] if has_answer[i] else scores[i] - 1.0
            stop += 1
        if current > best:
            best, best_threshold = current, level
        start = stop
    return 100.0 * best / n, best_threshold


def _apply_threshold(
    scores: list[float], has_answer: list[bool], probs: list[float], threshold: float
) -> list[float]:
    return [
        float(not has) if p > threshold else s for s, has, p in zip(scores, has_answer, probs, strict=True)
    ]


def squad_v2_report(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    language: str | None = None,
    rules: str = "auto",
    no_answer_probs: Sequence[float] | None = None,
    no_answer_threshold: float = 1.0,
) -> dict[str, float]:
    """The official ``evaluate-v2.0.py`` output, with the keys it uses.

    ``exact``/``f1``/``total``; ``HasAns_*`` and ``NoAns_*`` (only when such examples exist; an
    example is answerable when its reference list is non-empty); with ``no_answer_probs``, the
    scores after forcing "no answer" above ``no_answer_threshold`` (the script's default 1.0) and
    ``best_exact``/``best_exact_thresh``/``best_f1``/``best_f1_thresh``. Scores are percentages.
    """
    exact, f1 = example_scores(
        predictions, references, language=language, rules=rules, scheme=V2, metric="squad_v2_report"
    )
    has_answer = [bool(gold) for gold in references]
    if no_answer_probs is not None:
        probs = _check_probs(no_answer_probs, len(exact))
        exact_used = _apply_threshold(exact, has_answer, probs, no_answer_threshold)
        f1_used = _apply_threshold(f1, has_answer, probs, no_answer_threshold)
    else:
        exact_used, f1_used = exact, f1
    report: dict[str, float] = {
        "exact": mean_percent(exact_used),
        "f1": mean_percent(f1_used),
        "total": float(len(exact)),
    }
    for prefix, wanted in (("HasAns", True), ("NoAns", False)):
        subset = [i for i, has in enumerate(has_answer) if has is wanted]
        if subset:
            report[f"{prefix}_exact"] = mean_percent([exact_used[i] for i in subset])
            report[f"{prefix}_f1"] = mean_percent([f1_used[i] for i in subset])
            report[f"{prefix}_total"] = float(len(subset))
    if no_answer_probs is not None:
        report["best_exact"], report["best_exact_thresh"] = best_no_answer_threshold(
            exact, has_answer, no_answer_probs
        )
        report["best_f1"], report["best_f1_thresh"] = best_no_answer_threshold(
            f1, has_answer, no_answer_probs
        )
    return report
