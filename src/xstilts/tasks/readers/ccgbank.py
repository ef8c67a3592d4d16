"""CCGbank AUTO derivations, read as supertagging (the ``ccg`` intermediate task).

CCGbank 1.1 (LDC2005T13) unpacks to ``ccgbank_1_1/data/AUTO/<section>/wsj_<section><nn>.auto``.
Each sentence is a header line (``ID=wsj_0001.1 PARSER=GOLD NUMPARSE=1``) followed by one line
holding its derivation, whose leaves are ``(<L supertag POS POS word PredArgCat>)``. The example
is the leaf words with their supertags (the category, first field after ``L``).

Splits are the standard WSJ ones: train = sections 02-21, dev = 00, test = 23. The spec's
``files`` pattern names the first section of each split (how the split is found on disk); the
reader requires every section of the split, so a partial copy fails instead of silently training
on less data. Fallbacks: one concatenated AUTO file ``ccg/{split}-en.auto`` (as many parsers
ship ``ccgbank-wsj_02-21.auto``) and a JSON Lines file ``ccg/{split}-en.jsonl`` of
``{"tokens": [...], "tags": [...]}``, and jiant's preprocessed CCG, ``CCG/ccg.{train,dev,test}``
(``sentence<TAB>tags``, tag ids or names of the ``tags_to_id.json`` beside them). Supertags are an open set: the task declares no labels and
the engine derives them from the train split.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks.readers.hf_export import parse_tagging_export
from xstilts.tasks.readers.sources import Example, ReadContext, read_task
from xstilts.tasks.readers.textfile import iter_lines, json_error
from xstilts.tasks.spec import ReadRequest, TaskSpec

SECTIONS = {
    "train": tuple(f"{number:02d}" for number in range(2, 22)),
    "dev": ("00",),
    "test": ("23",),
}
_LEAF = re.compile(r"<L (\S+) (\S+) (\S+) (\S+) (\S+)>")
_FIX = "a CCGbank AUTO file: 'ID=...' header lines, each followed by a derivation with (<L cat POS POS word cat>) leaves"


def parse_auto_file(path: Path, context: ReadContext) -> list[Example]:
    """Sentences of one AUTO file (or of a concatenation of AUTO files)."""
    examples: list[Example] = []
    sentence_id: str | None = None
    for number, line in iter_lines(path):
        text = line.strip()
        if not text:
            continue
        if text.startswith("ID="):
            sentence_id = text.split()[0][3:]
            continue
        if not text.startswith("("):
            raise DataFormatError(
                "expected an 'ID=' header or a derivation", file=path, line=number, fix=_FIX
            )
        leaves = _LEAF.findall(text)
        if len(leaves) != text.count("<L "):
            raise DataFormatError(
                f"{text.count('<L ') - len(leaves)} leaf node(s) do not have 5 fields",
                file=path,
                line=number,
                fix=_FIX,
            )
        if not leaves:
            raise DataFormatError("a derivation without leaf nodes", file=path, line=number, fix=_FIX)
        examples.append(
            {
                "id": sentence_id or f"{path.stem}:{len(examples)}",
                "tokens": [leaf[3] for leaf in leaves],
                "tags": [leaf[0] for leaf in leaves],
                "pos": [leaf[1] for leaf in leaves],
            }
        )
        sentence_id = None
    return examples


def parse_sections(first_section: Path, context: ReadContext) -> list[Example]:
    """Every AUTO file of the split's sections, found next to ``first_section``."""
    root = first_section.parent
    missing = [section for section in SECTIONS[context.split] if not (root / section).is_dir()]
    if missing:
        raise MissingResourceError(
            f"CCGbank {context.split} needs sections {SECTIONS[context.split][0]}-{SECTIONS[context.split][-1]}; "
            f"missing: {' '.join(missing)}",
            file=root,
            fix="unpack the complete CCGbank 1.1 (LDC2005T13) data/AUTO folder",
        )
    examples: list[Example] = []
    for section in SECTIONS[context.split]:
        for path in sorted((root / section).glob("*.auto")):
            examples.extend(parse_auto_file(path, context))
    return examples


_JIANT_FIX = (
    "jiant's CCG lines are 'space-tokenised sentence<TAB>space-separated tags', tags as in tags_to_id.json"
)


def _jiant_tag_names(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``tags_to_id.json`` next to the split file: tag name -> name, and id (as text) -> name."""
    mapping_path = path.parent / "tags_to_id.json"
    if not mapping_path.exists():
        raise MissingResourceError(
            "jiant's CCG files need their tag map",
            file=mapping_path,
            fix="keep tags_to_id.json beside ccg.<split>",
        )
    try:
        mapping = json.loads(mapping_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise json_error(mapping_path, error) from None
    if not isinstance(mapping, dict):
        raise DataFormatError("expected a JSON object {tag: id}", file=mapping_path, line=1, fix=_JIANT_FIX)
    return {str(tag): str(tag) for tag in mapping}, {str(index): str(tag) for tag, index in mapping.items()}


def parse_jiant_ccg(path: Path, context: ReadContext) -> list[Example]:
    """jiant's preprocessed CCG (``CCG/ccg.{train,dev,test}`` + ``tags_to_id.json``).

    The tag column holds tag ids (jiant's preprocessing) or the keys of ``tags_to_id.json`` (what
    jiant's reader looks up); both are mapped back to the supertag names.
    """
    by_name, by_id = _jiant_tag_names(path)
    examples: list[Example] = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        cells = line.strip().split("\t")
        if len(cells) != 2:
            raise DataFormatError(
                f"expected 2 tab-separated columns, found {len(cells)}",
                file=path,
                line=number,
                fix=_JIANT_FIX,
            )
        tokens, raw_tags = cells[0].split(" "), cells[1].split()
        if len(tokens) != len(raw_tags):
            raise DataFormatError(
                f"{len(tokens)} tokens but {len(raw_tags)} tags", file=path, line=number, fix=_JIANT_FIX
            )
        unknown = [tag for tag in raw_tags if tag not in by_name and tag not in by_id]
        if unknown:
            raise DataFormatError(
                f"tag {unknown[0]!r} is not in tags_to_id.json", file=path, line=number, fix=_JIANT_FIX
            )
        tags = [by_name.get(tag) or by_id[tag] for tag in raw_tags]
        examples.append({"id": context.example_id(len(examples)), "tokens": tokens, "tags": tags})
    return examples


def read_ccg(spec: TaskSpec, request: ReadRequest) -> list[Example]:
    return read_task(
        spec,
        request,
        {
            "": parse_sections,
            ".auto": parse_auto_file,
            ".jsonl": parse_tagging_export,
            **dict.fromkeys((".train", ".dev", ".test"), parse_jiant_ccg),
        },
    )
