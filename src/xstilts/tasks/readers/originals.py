"""The original releases behind XTREME's processed NLI and paraphrase files, read as they ship.

XTREME's processed XNLI and PAWS-X test files carry no labels, so a user who wants to score test
reads the originals. Formats (checked against the archives' own layouts; XTREME's
``utils_preprocess.py`` reads the same columns):

- **XNLI-1.0** ``XNLI-1.0/xnli.{dev,test}.tsv``: a header row and 19 tab-separated columns
  (``language gold_label sentence1_binary_parse ... sentence1 sentence2 promptID pairID genre
  label1..label5 sentence1_tokenized sentence2_tokenized match``), every language in one file, not
  quoted. ``xnli.{dev,test}.jsonl``: the same records as JSON objects. The id is ``pairID``, shared
  by the translations of one pair, so every language has the same items.
- **XNLI-MT-1.0** ``XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv``: header ``premise hypo
  label``, unquoted; the third label is spelled ``contradictory``. Ids are row indices (the
  translations are line-aligned).
- **PAWS-X** ``x-final/{lang}/{train,dev_2k,test_2k}.tsv``: header ``id sentence1 sentence2
  label``; ``translated_train.tsv`` (the machine-translated train set) has the same four columns.
  The id is PAWS' ``id``, shared across languages.
- **MultiNLI 1.0** ``multinli_1.0/multinli_1.0_{train,dev_matched,dev_mismatched}.jsonl``:
  ``gold_label``, ``sentence1``, ``sentence2``, ``pairID``. Rows whose gold label is ``-`` (no
  annotator majority) are dropped, as GLUE and XNLI do, and the count is noted for ``tasks check``.

Which format a file is is read from its header (TSV) or its first record's fields (JSON Lines),
so these files can sit at their archive's paths as fallbacks of the XTREME tasks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.labels import XNLI_SPELLINGS, label_name
from xstilts.tasks.readers.sources import Example, ReadContext
from xstilts.tasks.readers.textfile import field, iter_headed_tsv, iter_jsonl, iter_lines

XNLI_COLUMNS = [
    "language",
    "gold_label",
    "sentence1_binary_parse",
    "sentence2_binary_parse",
    "sentence1_parse",
    "sentence2_parse",
    "sentence1",
    "sentence2",
    "promptID",
    "pairID",
    "genre",
    "label1",
    "label2",
    "label3",
    "label4",
    "label5",
    "sentence1_tokenized",
    "sentence2_tokenized",
    "match",
]
XNLI_MT_COLUMNS = ("premise", "hypo", "label")
PAWSX_COLUMNS = ("id", "sentence1", "sentence2", "label")
NO_MAJORITY = "-"


def header_of(path: Path) -> list[str]:
    """The first line's tab-separated cells (empty for an empty file)."""
    for _, line in iter_lines(path):
        return line.split("\t")
    return []


def release_tsv_kind(path: Path) -> str | None:
    """``"xnli"``, ``"xnli-mt"``, ``"pawsx"`` for an original release TSV, ``None`` for XTREME's."""
    header = header_of(path)
    if header[:2] == XNLI_COLUMNS[:2]:
        return "xnli"
    if tuple(header) == XNLI_MT_COLUMNS:
        return "xnli-mt"
    if tuple(header) == PAWSX_COLUMNS:
        return "pawsx"
    return None


def _spellings(context: ReadContext) -> dict[str, str]:
    return XNLI_SPELLINGS if "contradiction" in context.spec.labels else {}


def _keep(label: str, context: ReadContext, dropped: list[int]) -> bool:
    """False (and counted) for MultiNLI/XNLI's no-majority gold label."""
    if label.strip() == NO_MAJORITY:
        dropped.append(1)
        return False
    return True


def _note_dropped(context: ReadContext, path: Path, dropped: list[int]) -> None:
    if dropped:
        context.notes.append(f"{path.name}: {len(dropped)} row(s) with gold label '-' (no majority) dropped")


def parse_xnli_tsv(path: Path, context: ReadContext) -> list[Example]:
    """XNLI-1.0 ``xnli.{dev,test}.tsv``: this language's rows, ids = ``pairID``."""
    fix = f"an XNLI-1.0 tsv: header and {len(XNLI_COLUMNS)} tab-separated columns ({', '.join(XNLI_COLUMNS[:3])}, ...)"
    examples, dropped = [], []
    for number, row in iter_headed_tsv(path, XNLI_COLUMNS, fix):
        if row["language"] != context.lang or not _keep(row["gold_label"], context, dropped):
            continue
        examples.append(
            _pair(row["pairID"], row["sentence1"], row["sentence2"], row["gold_label"], context, path, number)
        )
    _note_dropped(context, path, dropped)
    return examples


def parse_xnli_mt_tsv(path: Path, context: ReadContext) -> list[Example]:
    """XNLI-MT-1.0 ``multinli.train.{lang}.tsv``: ``premise hypo label``, ids = row index."""
    fix = "an XNLI-MT-1.0 tsv: header 'premise<TAB>hypo<TAB>label' and three columns"
    examples = []
    for number, row in iter_headed_tsv(path, XNLI_MT_COLUMNS, fix):
        ident = context.example_id(len(examples))
        examples.append(_pair(ident, row["premise"], row["hypo"], row["label"], context, path, number))
    return examples


def parse_pawsx_tsv(path: Path, context: ReadContext) -> list[Example]:
    """PAWS-X ``x-final/{lang}/*.tsv``: ``id sentence1 sentence2 label``, ids = PAWS ``id``."""
    fix = "a PAWS-X x-final tsv: header 'id<TAB>sentence1<TAB>sentence2<TAB>label'"
    return [
        _pair(row["id"], row["sentence1"], row["sentence2"], row["label"], context, path, number)
        for number, row in iter_headed_tsv(path, PAWSX_COLUMNS, fix)
    ]


def parse_nli_jsonl(path: Path, context: ReadContext) -> list[Example]:
    """XNLI-1.0 ``xnli.*.jsonl`` (rows of every language) or MultiNLI 1.0 ``multinli_1.0_*.jsonl``."""
    fix = "XNLI-1.0 / MultiNLI 1.0 JSON Lines records have gold_label, sentence1, sentence2 and pairID"
    examples, dropped = [], []
    for number, record in iter_jsonl(path):
        if "language" in record and record["language"] != context.lang:
            continue
        gold = field(record, "gold_label", path, number, fix)
        if not _keep(gold, context, dropped):
            continue
        examples.append(
            _pair(
                str(field(record, "pairID", path, number, fix)),
                field(record, "sentence1", path, number, fix),
                field(record, "sentence2", path, number, fix),
                gold,
                context,
                path,
                number,
            )
        )
    _note_dropped(context, path, dropped)
    return examples


def is_nli_release_jsonl(path: Path) -> bool:
    """True when the first record has ``gold_label`` (XNLI-1.0 / MultiNLI), not a ``datasets`` export."""
    for _, record in iter_jsonl(path):
        return "gold_label" in record
    return False


def _pair(
    ident: Any, text_a: str, text_b: str, label: str, context: ReadContext, path: Path, line: int
) -> Example:
    if not isinstance(text_a, str) or not isinstance(text_b, str):
        raise DataFormatError(
            "a sentence is not a string", file=path, line=line, fix="check the release file"
        )
    return {
        "id": str(ident),
        "text_a": text_a,
        "text_b": text_b,
        "label": label_name(label, context, path, line, _spellings(context)),
    }
