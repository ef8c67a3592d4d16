"""Tagging metrics as XTREME's ``evaluate.py`` reports them: F1 with precision and recall.

- ``span_f1`` (with ``span_precision``, ``span_recall``) is what XTREME reports for PAN-X:
  seqeval's ``f1_score``/``precision_score``/``recall_score`` in the *default* (non-strict,
  conlleval-like) mode on IOB2 tags, where an ``I-X`` without a preceding ``B-X`` (or after a tag
  of another type) starts a new entity. seqeval's strict IOB2 mode would drop such spans instead
  and give different numbers; we do not use it.
- ``token_accuracy`` is the honest POS metric: the share of tokens whose tag is right.
- ``xtreme_pos_f1`` (with ``xtreme_pos_precision``, ``xtreme_pos_recall``) is the number XTREME's
  paper and leaderboard call UD-POS "F1": seqeval's entity scores on bare UPOS tags with the
  0.0.12 chunking rules (see ``seqeval_legacy``), independent of the installed seqeval.
- ``seqeval_pos_f1`` (with ``_precision``, ``_recall``) is what a fresh ``pip install seqeval`` +
  ``evaluate.py`` gives today: the installed seqeval (1.2.2) on bare tags, which reads a tag's first
  letter as its prefix (CCONJ and SCONJ both become type ``CONJ``; a sentence-final ``X`` is lost).
  Report either next to ``token_accuracy``, never instead of it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from xstilts.tasks.metrics import register_metric
from xstilts.tasks.metrics._inputs import MetricInputError, check_tag_sequences, mean_percent
from xstilts.tasks.metrics.seqeval_legacy import legacy_scores

TagSequences = Sequence[Sequence[str]]


def _check_iob2(predictions: TagSequences, references: TagSequences) -> None:
    """Bare tags would be chunked by their first letter: refuse them rather than score nonsense."""
    for side, sentences in (("predicted", predictions), ("gold", references)):
        for index, sentence in enumerate(sentences):
            for tag in sentence:
                if tag != "O" and not (tag.startswith(("B-", "I-")) and len(tag) > 2):
                    raise MetricInputError(
                        f"span_f1: {side} sentence {index} holds {tag!r}, which is not an IOB2 tag",
                        fix="use 'O', 'B-TYPE' or 'I-TYPE' tags (score bare POS tags with token_accuracy)",
                    )


def _installed_seqeval(references: TagSequences, predictions: TagSequences) -> dict[str, float]:
    """The installed seqeval's default-mode micro precision, recall and F1, in percent."""
    # Imported here: seqeval pulls in scikit-learn (~1.5 s), which listing the registry should not pay.
    from seqeval.metrics import f1_score, precision_score, recall_score

    gold, predicted = [list(s) for s in references], [list(s) for s in predictions]
    with warnings.catch_warnings():
        # seqeval warns when there are no entities (returns 0, the documented result) and when
        # bare tags "seem not to be NE tags" (that reading is the point of seqeval_pos_*).
        warnings.simplefilter("ignore")
        return {
            "precision": 100.0 * float(precision_score(gold, predicted, average="micro")),
            "recall": 100.0 * float(recall_score(gold, predicted, average="micro")),
            "f1": 100.0 * float(f1_score(gold, predicted, average="micro")),
        }


def _span_scores(metric: str, predictions: TagSequences, references: TagSequences) -> dict[str, float]:
    check_tag_sequences(metric, predictions, references)
    _check_iob2(predictions, references)
    return _installed_seqeval(references, predictions)


def _bare_tag_scores(metric: str, predictions: TagSequences, references: TagSequences) -> dict[str, float]:
    check_tag_sequences(metric, predictions, references)
    return _installed_seqeval(references, predictions)


def _legacy_scores(metric: str, predictions: TagSequences, references: TagSequences) -> dict[str, float]:
    check_tag_sequences(metric, predictions, references)
    precision, recall, f1 = legacy_scores(references, predictions)
    return {"precision": 100.0 * precision, "recall": 100.0 * recall, "f1": 100.0 * f1}


_SPAN = (
    "on IOB2 tags with seqeval 1.2.2 in its default, non-strict (conlleval-like) mode, as XTREME's "
    "evaluate.py scores PAN-X: an I- tag without a preceding B- of the same type starts an entity. "
    "No entities anywhere gives 0."
)
_LEGACY = (
    "XTREME-compatible UD-POS score as published (XTREME's evaluate.py with seqeval 0.0.12/0.0.13, "
    "the value its golden test expects; own implementation, independent of the installed seqeval): "
    "entity micro score on bare UPOS tags, where runs of the same tag form one entity, S-initial "
    "tags (SCONJ, SYM) are one entity per token, CCONJ and SCONJ stay distinct, X is kept."
)
_CURRENT = (
    "UD-POS score that XTREME's evaluate.py gives with today's seqeval (1.2.2, as installed): entity "
    "micro score on bare UPOS tags, a tag's first letter read as its prefix, so CCONJ and SCONJ "
    "collapse into one type and a sentence-final X is dropped. Compare with fresh XTREME runs."
)
_FAMILIES = (
    ("span", _span_scores, _SPAN),
    ("xtreme_pos", _legacy_scores, _LEGACY),
    ("seqeval_pos", _bare_tag_scores, _CURRENT),
)
_KINDS = {"f1": "F1", "precision": "Precision", "recall": "Recall"}


def _tag_metric(name: str, family, kind: str, description: str):
    def score(predictions: TagSequences, references: TagSequences, *, language: str | None = None) -> float:
        del language
        return family(name, predictions, references)[kind]

    score.__name__ = score.__qualname__ = name
    score.__doc__ = description
    return score


for _prefix, _family, _text in _FAMILIES:
    for _kind, _label in _KINDS.items():
        _name = f"{_prefix}_{_kind}"
        _description = f"{_label} (0-100) {_text}"
        register_metric(_name, higher_is_better=True, description=_description)(
            _tag_metric(_name, _family, _kind, _description)
        )


@register_metric(
    "token_accuracy",
    higher_is_better=True,
    description="Percentage of tokens (over all sentences) whose predicted tag equals the gold tag (0-100); "
    "no official script reports it (XTREME's evaluate.py reports seqeval F1 for UD-POS).",
)
def token_accuracy(
    predictions: TagSequences, references: TagSequences, *, language: str | None = None
) -> float:
    """Micro token accuracy: every token counts once, whatever its sentence's length."""
    del language
    check_tag_sequences("token_accuracy", predictions, references)
    hits = [
        float(p == r)
        for pred, ref in zip(predictions, references, strict=True)
        for p, r in zip(pred, ref, strict=True)
    ]
    if not hits:
        raise MetricInputError(
            "token_accuracy: the sentences hold no tokens", fix="check that the tagging split was read"
        )
    return mean_percent(hits)
