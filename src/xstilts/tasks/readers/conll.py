"""Token-per-line tagging: XTREME's UD-POS and PAN-X files, and UD CoNLL-U treebanks.

Accepted files, per task:

- ``udpos``, ``panx``: ``{task}/{split}-{lang}.tsv`` as ``utils_preprocess.py`` writes them: one
  ``token<TAB>tag`` per line, a blank line (or ``-DOCSTART-``) ends a sentence. XTREME's test
  files hold tokens only (labels withheld): the reader then tries the next source.
- ``udpos``: Universal Dependencies v2.5 CoNLL-U, ``ud-treebanks-v2.5/UD_*/{lang}_*-ud-{split}.conllu``:
  every treebank of the language, in file-name order, concatenated as XTREME does. Rows are
  syntactic words with their UPOS (column 4); multiword-token ranges (``3-4``) and empty nodes
  (``5.1``) are skipped. XTREME's conversion instead replaced a multiword token's words by its
  surface form with one tag picked by a POS ranking, so for languages with contractions (de, fr,
  es, it, pt, ar, he, tr, ...) token counts differ slightly from XTREME's tsv. As XTREME does,
  spaces and ZWNJ (U+200C) are removed from word forms, and sentences whose words are (almost)
  all ``_`` (treebanks distributed without text, e.g. Arabic NYUAD) are dropped.
- ``panx``: the raw WikiANN files of ``AmazonPhotos.zip`` (``<lang>:token<TAB>tag``, a blank line
  between sentences), where XTREME's ``download_panx`` leaves them before preprocessing,
  ``panx_dataset/{lang}-{split}``, or untarred per language, ``panx_dataset/{lang}/{split}``. The
  ``<lang>:`` prefix is cut as ``panx_preprocess`` does. Their test files keep the labels that
  XTREME's processed test files drop, so they are how PAN-X test is scored.
- both: the ``datasets`` export ``{task}/{split}-{lang}.jsonl`` (``tokens`` + ``pos_tags`` /
  ``ner_tags`` ClassLabel indices, see :mod:`.hf_export`).

Tags must belong to the task's label set (17 UPOS tags; PAN-X ``O`` and ``B-``/``I-`` PER, ORG, LOC).
"""

from __future__ import annotations

from pathlib import Path

from xstilts.errors import DataFormatError
from xstilts.tasks.readers.hf_export import parse_tagging_export
from xstilts.tasks.readers.labels import label_name
from xstilts.tasks.readers.sources import Example, LabelsWithheld, ReadContext, read_task
from xstilts.tasks.readers.textfile import iter_lines
from xstilts.tasks.spec import ReadRequest, TaskSpec

_TSV_FIX = "each token line is token<TAB>tag; a blank line separates sentences"
_CONLLU_FIX = (
    "CoNLL-U token lines have 10 tab-separated columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC)"
)


def parse_token_tag_tsv(path: Path, context: ReadContext) -> list[Example]:
    """XTREME's ``token<TAB>tag`` files, one sentence per blank-line-separated block."""
    return _token_tag_blocks(path, context, raw_prefix=None)


def parse_panx_tsv(path: Path, context: ReadContext) -> list[Example]:
    """PAN-X ``token<TAB>tag`` blocks: XTREME's processed files or the raw WikiANN ones.

    The raw per-language files of ``AmazonPhotos.zip`` prefix every token with its language
    (``en:Paris<TAB>B-LOC``); XTREME's ``panx_preprocess`` cuts everything up to the first ``:``.
    A file whose first token carries ``<lang>:`` is read as raw, and every token must then carry it.
    """
    first = next(
        (line for _, line in iter_lines(path) if line.strip() and not line.startswith("-DOCSTART-")), ""
    )
    prefix = f"{context.lang}:"
    return _token_tag_blocks(path, context, raw_prefix=prefix if first.startswith(prefix) else None)


def _token_tag_blocks(path: Path, context: ReadContext, raw_prefix: str | None) -> list[Example]:
    examples: list[Example] = []
    tokens: list[str] = []
    tags: list[str] = []
    known = frozenset(context.spec.labels)

    def close() -> None:
        if tokens:
            gold = None if context.unlabelled else tags.copy()
            examples.append({"id": context.example_id(len(examples)), "tokens": tokens.copy(), "tags": gold})
            tokens.clear()
            tags.clear()

    for number, line in iter_lines(path):
        if not line.strip() or line.startswith("-DOCSTART-"):
            close()
            continue
        cells = line.split("\t")
        if len(cells) == 1 and context.unlabelled:
            tokens.append(_strip_language_prefix(cells[0], raw_prefix, path, number))
            tags.append(None)
            continue
        if len(cells) == 1 and context.split == "test" and not examples and not tokens:
            raise LabelsWithheld(
                "tokens without tags: XTREME's download script withholds test labels",
                file=path,
                line=number,
                fix="use a labelled copy of this split",
            )
        if len(cells) != 2:
            raise DataFormatError(
                f"expected 2 tab-separated columns, found {len(cells)}", file=path, line=number, fix=_TSV_FIX
            )
        tag = cells[1] if cells[1] in known else label_name(cells[1], context, path, number)
        tokens.append(_strip_language_prefix(cells[0], raw_prefix, path, number))
        tags.append(tag)
    close()
    return examples


def _strip_language_prefix(token: str, prefix: str | None, path: Path, line: int) -> str:
    if prefix is None:
        return token
    if not token.startswith(prefix):
        raise DataFormatError(
            f"token {token!r} lacks the {prefix!r} prefix that the file's first token has",
            file=path,
            line=line,
            fix=f"a raw WikiANN file prefixes every token with {prefix!r}; restore it from the archive",
        )
    return token[len(prefix) :]


def parse_conllu(path: Path, context: ReadContext) -> list[Example]:
    """One UD CoNLL-U file: syntactic words and their UPOS tags."""
    examples: list[Example] = []
    words: list[str] = []
    tags: list[str] = []
    sent_id = ""
    known = frozenset(context.spec.labels)

    def close() -> None:
        nonlocal sent_id
        blanks = sum(word == "_" for word in words)
        if words and not (blanks and blanks >= len(words) - 1):
            ident = f"{path.stem}:{sent_id}" if sent_id else f"{path.stem}:{len(examples)}"
            examples.append({"id": ident, "tokens": words.copy(), "tags": tags.copy()})
        words.clear()
        tags.clear()
        sent_id = ""

    for number, line in iter_lines(path):
        if not line.strip():
            close()
            continue
        if line.startswith("#"):
            if line.startswith("# sent_id"):
                sent_id = line.partition("=")[2].strip()
            continue
        cells = line.split("\t")
        if len(cells) != 10:
            raise DataFormatError(
                f"expected 10 tab-separated columns, found {len(cells)}",
                file=path,
                line=number,
                fix=_CONLLU_FIX,
            )
        word_id = cells[0]
        if "-" in word_id or "." in word_id:
            continue
        if not word_id.isdigit():
            raise DataFormatError(
                f"word ID {word_id!r} is not a number", file=path, line=number, fix=_CONLLU_FIX
            )
        tag = cells[3] if cells[3] in known else label_name(cells[3], context, path, number)
        words.append("".join(cells[1].replace("\u200c", "").split(" ")))
        tags.append(tag)
    close()
    return examples


_XTREME_TAGGING = {"": parse_token_tag_tsv, ".conllu": parse_conllu, ".jsonl": parse_tagging_export}
_PANX = {"": parse_panx_tsv, ".jsonl": parse_tagging_export}


def read_udpos(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, _XTREME_TAGGING)


def read_panx(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, _PANX)
