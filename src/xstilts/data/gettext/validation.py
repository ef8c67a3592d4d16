"""How far the msgkind rules agree with a human: per-kind precision/recall on a hand-labelled sample.

The samples (``labels/msgkind-gold-en.tsv``, 240 messages, and ``labels/msgkind-heldout-en.tsv``,
the next 120; shipped with the package) hold English messages drawn reproducibly from the
parallel msgkind messages of a Debian 12 machine (the lowest blake2b hashes of
``msgkind-gold:<id>``), each labelled by a person following ``labels/GUIDELINE.md`` from the
message's meaning, never from the rules' output. Columns: ``id``, ``catalogs`` (comma-joined
pinned domains), ``label``, ``text`` (the normalised msgid). ``xstilts data kinds-agreement``
prints the report; a test keeps agreement at or above :data:`MIN_AGREEMENT`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from xstilts.data.gettext.kinds import KINDS, RULES_VERSION, message_kind
from xstilts.errors import DataFormatError

# The development sample (the rules were revised on it) and the held-out one (labelled after
# rules v2 were frozen: v2 agreed on 85.8% of it; v3 was then revised on both).
GOLD_FILES = ("msgkind-gold-en.tsv", "msgkind-heldout-en.tsv")
COLUMNS = ("id", "catalogs", "label", "text")
MIN_AGREEMENT = 0.90


def gold_paths() -> list[Path]:
    """The shipped hand-labelled samples."""
    folder = resources.files("xstilts.data.gettext") / "labels"
    return [Path(str(folder / name)) for name in GOLD_FILES]


def read_gold(path: Path | None = None) -> pd.DataFrame:
    """The labelled rows (default: every shipped sample); a bad line is one line naming file and line."""
    if path is None:
        return pd.concat([read_gold(each) for each in gold_paths()], ignore_index=True)
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise DataFormatError("bad header", file=path, line=1, fix="the header is: " + " TAB ".join(COLUMNS))
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(COLUMNS) or row[2] not in KINDS:
            raise DataFormatError(
                f"expected {len(COLUMNS)} tab-separated fields with a label in {', '.join(KINDS)}",
                file=path,
                line=number,
                fix="one message per line: id, catalogs, label, text",
            )
    return pd.DataFrame(rows[1:], columns=list(COLUMNS))


@dataclass
class Agreement:
    """The rules against the gold labels."""

    n: int
    agreement: float
    per_kind: pd.DataFrame  # kind -> gold, predicted, precision, recall
    confusion: pd.DataFrame  # gold (rows) x rules (columns)
    disagreements: pd.DataFrame  # id, text, gold, rules
    rules_version: int = RULES_VERSION


def agreement(gold: pd.DataFrame) -> Agreement:
    """Per-kind precision and recall of the rules and their raw agreement with the gold labels."""
    predicted = [
        message_kind(text, [c for c in catalogs.split(",") if c])
        for text, catalogs in zip(gold["text"], gold["catalogs"], strict=True)
    ]
    frame = gold.assign(rules=predicted)
    confusion = pd.crosstab(frame["label"], frame["rules"]).reindex(index=KINDS, columns=KINDS, fill_value=0)
    rows = []
    for kind in KINDS:
        hits = int(confusion.loc[kind, kind])
        n_gold, n_rules = int(confusion.loc[kind].sum()), int(confusion[kind].sum())
        rows.append(
            {
                "kind": kind,
                "gold": n_gold,
                "rules": n_rules,
                "precision": hits / n_rules if n_rules else float("nan"),
                "recall": hits / n_gold if n_gold else float("nan"),
            }
        )
    wrong = frame[frame["label"] != frame["rules"]]
    return Agreement(
        n=len(frame),
        agreement=float((frame["label"] == frame["rules"]).mean()),
        per_kind=pd.DataFrame(rows).set_index("kind"),
        confusion=confusion,
        disagreements=wrong[["id", "text", "label", "rules"]].rename(columns={"label": "gold"}),
    )
