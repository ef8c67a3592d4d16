"""BUCC 2018 bitext mining (``bucc2018``): two monolingual corpora and the gold translation pairs.

Files, as XTREME's ``download_bucc18`` leaves them in ``bucc2018/`` (it renames the shared task's
``sample`` split to ``dev`` and ``training`` to ``test``)::

    {lang}-en.{split}.{lang}   one sentence per line: "<lang>-000000001<TAB>text"
    {lang}-en.{split}.en       the English corpus:    "en-000000001<TAB>text"
    {lang}-en.{split}.gold     gold pairs:            "<lang>-000000081<TAB>en-000000034"

Representation. Mining needs the whole corpora, not aligned pairs, so the reader returns one
record per *sentence*: ``{"id", "side", "text"}`` (the ``bitext_mining`` task type), where ``side`` is
``"src"`` for the non-English corpus and ``"trg"`` for English, BUCC's own naming (its gold file is
``src_id<TAB>trg_id``); source records come first, each corpus in file order. The gold pairs are
read separately by :func:`read_bucc_gold` as ``{(src_id, trg_id), ...}``, which is what the
``bucc_f1`` metric consumes: the engine mines candidate pairs from the records, picks the score
threshold on ``dev`` (sample) gold, and applies it to ``test``.

XTREME deletes the test gold (``rm $base_dir/*test.gold``): :func:`read_bucc_gold` then looks for
the shared task's own file, ``bucc2018/{lang}-en/{lang}-en.training.gold``, and otherwise raises
``MissingResourceError`` naming both places. There is no ``datasets`` export fallback: the Hub's
``xtreme`` ``bucc18.*`` configs keep only the gold pairs, not the corpora mining needs.
"""

from __future__ import annotations

from pathlib import Path

from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks.readers.sources import Example, ReadContext, read_task
from xstilts.tasks.readers.textfile import iter_lines
from xstilts.tasks.spec import ReadRequest, TaskSpec

_ORIGINAL_NAME = {"dev": "sample", "test": "training"}
_FIX = "each BUCC line is '<id><TAB><text>' (gold: '<src id><TAB><en id>')"


def _id_text_lines(path: Path, expected_prefix: str) -> list[tuple[str, str]]:
    rows = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 2:
            raise DataFormatError(
                f"expected 2 tab-separated columns, found {len(cells)}", file=path, line=number, fix=_FIX
            )
        if not cells[0].startswith(expected_prefix):
            raise DataFormatError(
                f"sentence id {cells[0]!r} does not start with {expected_prefix!r}",
                file=path,
                line=number,
                fix=_FIX,
            )
        rows.append((cells[0], cells[1]))
    return rows


def parse_bucc_corpora(source_path: Path, context: ReadContext) -> list[Example]:
    """The source corpus at ``source_path`` and its English sibling (same name, ``.en``)."""
    english_path = source_path.with_suffix(".en")
    if not english_path.exists():
        raise MissingResourceError(
            "the English side of the BUCC corpus is missing",
            file=english_path,
            fix="restore it from the bucc2018 archive (xtreme scripts/download_data.sh: download_bucc18)",
        )
    records = [
        {"id": ident, "side": "src", "text": text}
        for ident, text in _id_text_lines(source_path, f"{context.lang}-")
    ]
    records += [
        {"id": ident, "side": "trg", "text": text} for ident, text in _id_text_lines(english_path, "en-")
    ]
    return records


def read_bucc(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(spec, request, {"": parse_bucc_corpora})


def read_bucc_gold(data_dir: Path, split: str, lang: str) -> set[tuple[str, str]]:
    """Gold ``(src_id, trg_id)`` pairs of one split: XTREME's ``.gold`` file or the original one.

    The shared task's archives (``bucc2018-de-en.training-gold.tar.bz2``) unpack to
    ``bucc2018/de-en/de-en.training.{de,en,gold}``, so they are extracted in the data root.
    """
    root = Path(data_dir) / "bucc2018"
    candidates = [
        root / f"{lang}-en.{split}.gold",
        root / f"{lang}-en" / f"{lang}-en.{_ORIGINAL_NAME.get(split, split)}.gold",
    ]
    path = next((candidate for candidate in candidates if candidate.exists()), None)
    if path is None:
        withheld = " (XTREME deletes the test gold)" if split == "test" else ""
        raise MissingResourceError(
            f"no BUCC gold pairs for {lang}-en {split}{withheld}",
            file=candidates[0],
            fix=f"extract bucc2018-{lang}-en.{_ORIGINAL_NAME.get(split, split)}-gold.tar.bz2 in {Path(data_dir)} "
            f"(the archive's top folder is bucc2018/: it creates {root / f'{lang}-en'})",
        )
    pairs = set()
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 2 or not cells[0].startswith(f"{lang}-") or not cells[1].startswith("en-"):
            raise DataFormatError(f"expected '{lang}-<id><TAB>en-<id>'", file=path, line=number, fix=_FIX)
        pairs.add((cells[0], cells[1]))
    return pairs
