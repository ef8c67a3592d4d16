"""Chunking as seqeval 0.0.12/0.0.13 did it: what XTREME's UD-POS F1 depends on.

XTREME scores UD-POS with ``seqeval.metrics.f1_score`` on bare UPOS tags (``NOUN``, ``CCONJ``),
which only makes sense through seqeval's chunker, and that chunker changed: XTREME's own golden
test value is the one seqeval 0.0.12/0.0.13 produce, while seqeval >= 0.0.18 reads a bare tag's
first letter as its prefix *and strips it from the type*, so ``CCONJ``/``SCONJ`` both become type
``CONJ`` and ``X`` becomes the empty type that a following sentence separator continues, so a
sentence-final ``X`` is never emitted. This module re-implements the 0.0.12 rules (read from
seqeval's ``v0.0.12`` tag, written anew here) so the number does not depend on the installed
seqeval version.

The 0.0.12 rules, for a tag ``t``:

- prefix = ``t[0]``; type = ``t.split("-")[-1]`` (the whole tag when it has no hyphen, so bare UPOS
  tags keep their full name as the type);
- sentences are concatenated with an ``"O"`` after each one (and one more ``"O"`` at the end), and
  entity offsets are positions in that flat sequence;
- a chunk ends before position ``i`` when the previous prefix is ``E`` or ``S``; or the previous
  prefix is ``B``/``I`` and the current one is ``B``/``S``/``O``; or the previous prefix is not
  ``O``/``.`` and the type changes;
- a chunk starts at ``i`` when the prefix is ``B`` or ``S``; or the previous prefix is ``E``/``S``/``O``
  and the current one is ``E``/``I``; or the prefix is not ``O``/``.`` and the type changes.

What that means for UPOS tags: a run of identical tags is *one* entity (``NOUN NOUN`` is one
``NOUN`` span), except tags whose first letter is ``S`` (``SCONJ``, ``SYM``), which end a chunk after
every token, so each such token is its own entity; ``X`` is an ordinary type. The F1 is micro F1
over the sets of ``(type, start, end)`` entities.
"""

from __future__ import annotations

from collections.abc import Sequence

_SENTENCE_SEPARATOR = "O"


def _prefix_and_type(tag: str) -> tuple[str, str]:
    return tag[0], tag.split("-")[-1]


def _chunk_ends(prev_prefix: str, prefix: str, prev_type: str, type_: str) -> bool:
    if prev_prefix in ("E", "S"):
        return True
    if prev_prefix in ("B", "I") and prefix in ("B", "S", "O"):
        return True
    return prev_prefix not in ("O", ".") and prev_type != type_


def _chunk_starts(prev_prefix: str, prefix: str, prev_type: str, type_: str) -> bool:
    if prefix in ("B", "S"):
        return True
    if prev_prefix in ("E", "S", "O") and prefix in ("E", "I"):
        return True
    return prefix not in ("O", ".") and prev_type != type_


def legacy_entities(sentences: Sequence[Sequence[str]]) -> list[tuple[str, int, int]]:
    """``(type, start, end)`` chunks of the sentences, as seqeval 0.0.12 ``get_entities`` returns them.

    Offsets are inclusive positions in the flat sequence that has an ``"O"`` after every sentence,
    so two tag sequences of the same shape give comparable offsets.
    """
    flat: list[str] = []
    for sentence in sentences:
        flat.extend(sentence)
        flat.append(_SENTENCE_SEPARATOR)
    flat.append(_SENTENCE_SEPARATOR)  # seqeval appends one more "O" to close the last chunk

    chunks: list[tuple[str, int, int]] = []
    prev_prefix, prev_type = "O", ""
    begin = 0
    for position, tag in enumerate(flat):
        prefix, type_ = _prefix_and_type(tag)
        if _chunk_ends(prev_prefix, prefix, prev_type, type_):
            chunks.append((prev_type, begin, position - 1))
        if _chunk_starts(prev_prefix, prefix, prev_type, type_):
            begin = position
        prev_prefix, prev_type = prefix, type_
    return chunks


def legacy_scores(
    references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]
) -> tuple[float, float, float]:
    """Micro ``(precision, recall, f1)`` in [0, 1] over entity sets, as seqeval 0.0.12 (0 when undefined)."""
    gold = set(legacy_entities(references))
    predicted = set(legacy_entities(predictions))
    correct = len(gold & predicted)
    precision = correct / len(predicted) if predicted else 0.0
    recall = correct / len(gold) if gold else 0.0
    if precision + recall == 0:
        return precision, recall, 0.0
    return precision, recall, 2 * precision * recall / (precision + recall)


def legacy_f1(references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> float:
    """Micro F1 in [0, 1] over entity sets, as seqeval 0.0.12 ``f1_score`` (0 when undefined)."""
    return legacy_scores(references, predictions)[2]
