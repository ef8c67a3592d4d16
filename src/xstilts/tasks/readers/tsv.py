"""Tab-separated sentence(-pair) classification: XTREME's XNLI/PAWS-X files, its translations, GLUE.

Accepted files, per task:

- ``xnli``, ``pawsx``: ``{task}/{split}-{lang}.tsv`` as ``utils_preprocess.py`` writes them: no
  header, ``text_a<TAB>text_b<TAB>label``, quoted by ``csv.writer`` (a field holding ``"`` is
  wrapped in quotes, inner quotes doubled; this reader unquotes). XTREME's test files have only
  two columns (labels withheld): the reader then falls back to the ``datasets`` export.
- ``xnli-translate-train``, ``pawsx-translate-train``: XTREME's machine translations
  (``gs://xtreme_translations``) at ``xnli/XNLI-Translated/en-{lang}-translated.tsv`` and
  ``pawsx/translated/en-{lang}-translated.tsv``: five columns (English pair, translated pair,
  label) since the Sept. 2020 release, three (translated pair, label) before; both are read.
- ``xnli-dev-as-train``: XNLI's human-translated dev set, ``xnli/dev-{lang}.tsv``, as training data.
- ``mnli``, ``qqp``, ``sst2``: GLUE (``download_glue_data.py``) ``glue_data/{MNLI,QQP,SST-2}/``
  ``train.tsv`` and ``dev.tsv`` (MNLI: ``dev_matched.tsv``). Headed, unquoted; columns are found
  by name (MNLI ``sentence1``/``sentence2``/``gold_label``, QQP ``question1``/``question2``/
  ``is_duplicate``, SST-2 ``sentence``/``label``). MNLI rows whose gold label is ``-`` (no
  annotator majority) are skipped, as GLUE does.
- the original releases (:mod:`.originals`): XNLI-1.0 ``xnli.{dev,test}.{tsv,jsonl}`` and
  XNLI-MT-1.0 ``multinli.train.{lang}.tsv`` for ``xnli`` (and XNLI-MT for
  ``xnli-translate-train``), PAWS-X ``x-final/{lang}/*.tsv`` for ``pawsx`` (``translated_train.tsv``
  for ``pawsx-translate-train``), MultiNLI 1.0 JSON Lines for ``mnli``; told apart by their header.
- every task: the ``datasets`` export ``<task>/<split>-<lang>.jsonl`` (:mod:`.hf_export`).

XNLI labels are ``entailment``/``neutral``/``contradiction`` (``contradictory``, the XNLI-MT
spelling, is mapped); PAWS-X keeps its ``0``/``1``; QQP and SST-2 ``0``/``1`` become
``not_duplicate``/``duplicate`` and ``negative``/``positive``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.hf_export import parse_pair_export, parse_single_export
from xstilts.tasks.readers.labels import XNLI_SPELLINGS, label_name
from xstilts.tasks.readers.originals import (
    is_nli_release_jsonl,
    parse_nli_jsonl,
    parse_pawsx_tsv,
    parse_xnli_mt_tsv,
    parse_xnli_tsv,
    release_tsv_kind,
)
from xstilts.tasks.readers.sources import Example, LabelsWithheld, ReadContext, read_task
from xstilts.tasks.readers.textfile import iter_headed_tsv, iter_lines, split_tsv_line
from xstilts.tasks.spec import ReadRequest, TaskSpec


def _spellings(context: ReadContext) -> dict[str, str]:
    """XNLI files may spell contradiction 'contradictory'; PAWS-X has no alternative spellings."""
    return XNLI_SPELLINGS if "contradiction" in context.spec.labels else {}


_XTREME_FIX = "each line is text_a<TAB>text_b<TAB>label (XTREME utils_preprocess.py layout)"


def parse_xtreme_pairs(path: Path, context: ReadContext) -> list[Example]:
    """XTREME's headerless ``text_a, text_b, label`` files (XNLI, PAWS-X)."""
    examples = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        cells = split_tsv_line(line)
        if len(cells) == 2 and context.unlabelled:
            examples.append(
                {
                    "id": context.example_id(len(examples)),
                    "text_a": cells[0],
                    "text_b": cells[1],
                    "label": None,
                }
            )
            continue
        if len(cells) == 2 and context.split == "test" and not examples:
            raise LabelsWithheld(
                "two columns and no label: XTREME's download script withholds test labels",
                file=path,
                line=number,
                fix="use a labelled copy of this split",
            )
        if len(cells) != 3:
            raise DataFormatError(
                f"expected 3 tab-separated columns, found {len(cells)}",
                file=path,
                line=number,
                fix=_XTREME_FIX,
            )
        examples.append(
            {
                "id": context.example_id(len(examples)),
                "text_a": cells[0],
                "text_b": cells[1],
                "label": label_name(cells[2], context, path, number, _spellings(context)),
            }
        )
    return examples


def parse_translated_pairs(path: Path, context: ReadContext) -> list[Example]:
    """XTREME translate-train files: 5 columns (en_a, en_b, a, b, label) or 3 (a, b, label)."""
    examples = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        cells = split_tsv_line(line)
        if len(cells) not in (3, 5):
            raise DataFormatError(
                f"expected 5 (or 3) tab-separated columns, found {len(cells)}",
                file=path,
                line=number,
                fix="use XTREME's translation files: English pair, translated pair, label",
            )
        text_a, text_b = cells[-3], cells[-2]
        example = {
            "id": context.example_id(len(examples)),
            "text_a": text_a,
            "text_b": text_b,
            "label": label_name(cells[-1], context, path, number, _spellings(context)),
        }
        if len(cells) == 5:
            example["english_a"], example["english_b"] = cells[0], cells[1]
        examples.append(example)
    return examples


def _glue_parser(
    columns: tuple[str, ...],
    spellings: Mapping[str, str],
    id_column: str | None,
    skip_labels: tuple[str, ...] = (),
):
    """A parser for one GLUE task: ``columns`` are (text columns..., label column)."""
    fix = f"a GLUE tsv with header columns {', '.join(columns)} (download_glue_data.py layout)"

    def parse(path: Path, context: ReadContext) -> list[Example]:
        examples = []
        *text_columns, label_column = columns
        skipped = 0
        for number, row in iter_headed_tsv(path, columns, fix):
            if row[label_column] in skip_labels:
                skipped += 1
                continue
            example: Example = {"id": row[id_column] if id_column else context.example_id(len(examples))}
            if len(text_columns) == 2:
                example["text_a"], example["text_b"] = row[text_columns[0]], row[text_columns[1]]
            else:
                example["text"] = row[text_columns[0]]
            example["label"] = label_name(row[label_column], context, path, number, spellings)
            examples.append(example)
        if skipped:
            labels = " or ".join(repr(label) for label in skip_labels)
            context.notes.append(
                f"{path.name}: {skipped} row(s) with gold label {labels} (no majority) dropped"
            )
        return examples

    return parse


parse_glue_mnli = _glue_parser(("sentence1", "sentence2", "gold_label"), {}, "pairID", skip_labels=("-",))
parse_glue_qqp = _glue_parser(
    ("question1", "question2", "is_duplicate"), {"0": "not_duplicate", "1": "duplicate"}, "id"
)
parse_glue_sst2 = _glue_parser(("sentence", "label"), {"0": "negative", "1": "positive"}, None)

_ORIGINAL_TSV = {"xnli": parse_xnli_tsv, "xnli-mt": parse_xnli_mt_tsv, "pawsx": parse_pawsx_tsv}


def parse_pair_tsv(path: Path, context: ReadContext) -> list[Example]:
    """An XTREME pair file, or an original release (XNLI-1.0, XNLI-MT, PAWS-X x-final) by its header."""
    kind = release_tsv_kind(path)
    return _ORIGINAL_TSV[kind](path, context) if kind else parse_xtreme_pairs(path, context)


def parse_pair_jsonl(path: Path, context: ReadContext) -> list[Example]:
    """XNLI-1.0 / MultiNLI 1.0 JSON Lines (``gold_label``), or a ``datasets`` export."""
    if is_nli_release_jsonl(path):
        return parse_nli_jsonl(path, context)
    return parse_pair_export(path, context)


_XTREME = {"": parse_pair_tsv, ".tsv": parse_pair_tsv, ".jsonl": parse_pair_jsonl}


def read_xtreme_pairs(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    """XTREME's pair TSVs (or the originals, exports) of xnli, pawsx and xnli-dev-as-train."""
    return read_task(spec, request, _XTREME)


def read_translate_train(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    """xnli- and pawsx-translate-train: translated train files, the task's own dev file."""
    return read_task(spec, request, _translated_parsers(request.split))


def _translated_parsers(split: str) -> dict:
    """Train files are translations (XTREME's, XNLI-MT's, PAWS-X's); dev is the task's own dev file."""
    return {
        "": parse_translated_or_original if split == "train" else parse_pair_tsv,
        ".tsv": parse_translated_or_original if split == "train" else parse_pair_tsv,
        ".jsonl": parse_pair_jsonl,
    }


def parse_translated_or_original(path: Path, context: ReadContext) -> list[Example]:
    """XTREME's translate-train file, or XNLI-MT / PAWS-X ``translated_train.tsv`` by its header."""
    kind = release_tsv_kind(path)
    return _ORIGINAL_TSV[kind](path, context) if kind else parse_translated_pairs(path, context)


def read_mnli(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_glue_mnli, ".jsonl": parse_pair_jsonl})


def read_qqp(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_glue_qqp, ".jsonl": parse_pair_export})


def read_sst2(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_glue_sst2, ".jsonl": parse_single_export})
