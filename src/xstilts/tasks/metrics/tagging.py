"""Tagging metrics: PAN-X span F1, UD-POS token accuracy and XTREME's UD-POS F1.

- ``span_f1`` is what XTREME reports for PAN-X: seqeval's ``f1_score`` in its *default* (non-strict,
  conlleval-like) mode on IOB2 tags, where an ``I-X`` without a preceding ``B-X`` (or after a tag of
  another type) starts a new entity. seqeval's strict IOB2 mode would drop such spans instead and
  give different numbers; we do not use it.
- ``token_accuracy`` is the honest POS metric: the share of tokens whose tag is right.
- ``xtreme_pos_f1`` is the number XTREME's leaderboard calls UD-POS "F1": seqeval's entity F1 on
  bare UPOS tags, with the 0.0.12 chunking rules (see ``seqeval_legacy``), independent of the
  installed seqeval. Report it next to ``token_accuracy``, never instead of it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from xstilts.tasks.metrics import register_metric
from xstilts.tasks.metrics._inputs import MetricInputError, check_tag_sequences, mean_percent
from xstilts.tasks.metrics.seqeval_legacy import legacy_f1

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


@register_metric(
    "span_f1",
    higher_is_better=True,
    description=(
        "Entity-level micro F1 (0-100) on IOB2 tags with seqeval 1.2.2 in its default, non-strict "
        "(conlleval-like) mode, as XTREME scores PAN-X: an I- tag without a preceding B- of the same "
        "type starts an entity. No entities anywhere gives 0."
    ),
)
def span_f1(predictions: TagSequences, references: TagSequences, *, language: str | None = None) -> float:
    """seqeval default-mode entity F1, in percent."""
    del language
    check_tag_sequences("span_f1", predictions, references)
    _check_iob2(predictions, references)
    # Imported here: seqeval pulls in scikit-learn (~1.5 s), which listing the registry should not pay.
    from seqeval.metrics import f1_score as seqeval_f1_score

    with warnings.catch_warnings():
        # seqeval warns (UndefinedMetricWarning) when there are no entities and returns 0; the
        # 0 is the documented result, the warning is noise in logs.
        warnings.simplefilter("ignore")
        score = seqeval_f1_score(
            [list(s) for s in references], [list(s) for s in predictions], average="micro"
        )
    return 100.0 * float(score)


@register_metric(
    "token_accuracy",
    higher_is_better=True,
    description="Percentage of tokens (over all sentences) whose predicted tag equals the gold tag (0-100).",
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


@register_metric(
    "xtreme_pos_f1",
    higher_is_better=True,
    description=(
        "XTREME-compatible UD-POS 'F1' (0-100): seqeval entity micro F1 on bare UPOS tags with the "
        "seqeval 0.0.12/0.0.13 chunking rules that XTREME's golden test expects (own implementation, "
        "independent of the installed seqeval): runs of the same tag form one entity, S-initial tags "
        "(SCONJ, SYM) are one entity per token, CCONJ and SCONJ stay distinct, X is kept."
    ),
)
def xtreme_pos_f1(
    predictions: TagSequences, references: TagSequences, *, language: str | None = None
) -> float:
    """seqeval-0.0.12 entity F1 on bare tags, in percent; comparable with published XTREME UD-POS."""
    del language
    check_tag_sequences("xtreme_pos_f1", predictions, references)
    return 100.0 * legacy_f1(references, predictions)
