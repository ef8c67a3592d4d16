"""Tokenizer fertility: sentencepiece pieces per whitespace word on a task's own test text.

A covariate of the paired change model (:mod:`xstilts.analysis.covariates`): languages the
tokenizer cuts into many pieces tend to be distant ones, so a source-distance effect can be read
with fertility held fixed. It lives here, not in ``analysis/``, because it needs the model's
tokenizer; the analysis only reads the CSV this module writes.

The text is what the zero-shot evaluation reads: the test split, the same deterministic
subsample (``max_examples_per_language``, :data:`~xstilts.evaluation.zero_shot.EVAL_SEED`), and
the fields the model sees (the language's side of a retrieval pair). Scripts written without
spaces (Japanese, Chinese, Thai) have few "words", so their fertility is high by construction;
the number is comparable across models for one language, less so across such languages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from xstilts.tasks.loading import read_examples
from xstilts.tasks.spec import TaskSpec
from xstilts.tasks.types import get_task_type

COLUMNS = ["model", "target_task", "language", "fertility", "n_words", "n_pieces"]


def example_texts(spec: TaskSpec, examples: list[dict[str, Any]]) -> list[str]:
    """The strings of each example the model reads (its task type's ``text_fields``)."""
    fields = get_task_type(spec.task_type).text_fields
    texts = []
    for example in examples:
        for name in fields:
            value = example.get(name, "")
            texts.append(" ".join(value) if isinstance(value, list) else str(value))
    return [text for text in texts if text.strip()]


def pieces_per_word(tokenize: Callable[[str], list], texts: Iterable[str]) -> tuple[float, int, int]:
    """(pieces / words, words, pieces) over all ``texts``; words are whitespace-separated."""
    words = pieces = 0
    for text in texts:
        words += len(text.split())
        pieces += len(tokenize(text))
    return (pieces / words if words else float("nan")), words, pieces


def fertility_rows(
    model: str,
    tokenize: Callable[[str], list],
    spec: TaskSpec,
    data_root: Path,
    languages: list[str],
    limit: int | None,
    seed: int,
) -> list[dict]:
    """One row per language of one task (the evaluation's own subsample)."""
    rows = []
    for language in languages:
        examples = read_examples(spec, data_root, spec.test_split, language, limit, seed)
        value, words, pieces = pieces_per_word(tokenize, example_texts(spec, examples))
        rows.append({"model": model, "target_task": spec.name, "language": language, "fertility": value,
                     "n_words": words, "n_pieces": pieces})  # fmt: skip
    return rows


def write_table(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path
