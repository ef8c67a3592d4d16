"""How far the msgkind rules agree with a human: per-kind precision/recall on hand-labelled samples.

``labels/msgkind-gold.tsv`` (shipped with the package) holds 560 English messages drawn
reproducibly from the parallel msgkind messages of a Debian 12 machine (ranked by the blake2b-64
hash of ``msgkind-gold:<id>``), each labelled by a person following ``labels/GUIDELINE.md`` from
the message's meaning, never from the rules' output. Columns: ``id``, ``batch``, ``catalogs``
(comma-joined pinned domains), ``label``, ``text`` (the normalised msgid).

The batches were labelled in turn, each *before* looking at the rules' output on it, so each is a
blind test of the rules version frozen at that time (:data:`BLIND`), after which the rules were
revised on everything labelled so far. ``xstilts data kinds-agreement`` prints the report; a test
keeps the pooled agreement at or above :data:`MIN_AGREEMENT`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from xstilts.data.gettext.kinds import KINDS, RULES_VERSION, message_kind
from xstilts.errors import DataFormatError

GOLD_FILE = "msgkind-gold.tsv"
COLUMNS = ("id", "batch", "catalogs", "label", "text")
MIN_AGREEMENT = 0.90
# batch -> (hash ranks, the rules version it was a blind test of, that version's agreement on it)
BLIND: dict[int, tuple[str, int | None, float | None]] = {
    1: ("1-240", 1, 0.558),  # the development sample: v1 as found, v2 written on it
    2: ("241-360", 2, 0.858),
    3: ("361-460", 3, 0.880),
    4: ("461-560", 4, 0.880),
}


def gold_path() -> Path:
    """The shipped hand-labelled sample."""
    return Path(str(resources.files("xstilts.data.gettext") / "labels" / GOLD_FILE))


def read_gold(path: Path | None = None) -> pd.DataFrame:
    """The labelled rows; a wrong header or a bad line is one line naming file and line."""
    path = Path(path) if path is not None else gold_path()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise DataFormatError("bad header", file=path, line=1, fix="the header is: " + " TAB ".join(COLUMNS))
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(COLUMNS) or row[3] not in KINDS or not row[1].isdigit():
            raise DataFormatError(
                f"expected {len(COLUMNS)} tab-separated fields, a batch number and a label in {', '.join(KINDS)}",
                file=path,
                line=number,
                fix="one message per line: id, batch, catalogs, label, text",
            )
    return pd.DataFrame(rows[1:], columns=list(COLUMNS)).astype({"batch": int})


@dataclass
class Agreement:
    """The rules against the gold labels."""

    n: int
    agreement: float
    per_kind: pd.DataFrame  # kind -> gold, rules, precision, recall
    confusion: pd.DataFrame  # gold (rows) x rules (columns)
    per_batch: pd.DataFrame  # batch -> n, agreement now, blind version and its agreement
    disagreements: pd.DataFrame  # id, batch, text, gold, rules
    rules_version: int = RULES_VERSION


def _per_kind(confusion: pd.DataFrame) -> pd.DataFrame:
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
    return pd.DataFrame(rows).set_index("kind")


def _per_batch(frame: pd.DataFrame) -> pd.DataFrame:
    table = (
        frame.assign(right=frame["label"] == frame["rules"]).groupby("batch")["right"].agg(["size", "mean"])
    )
    table = table.rename(columns={"size": "n", "mean": "agreement"})
    table["blind_version"] = [BLIND.get(int(b), ("", None, None))[1] for b in table.index]
    table["blind_agreement"] = [BLIND.get(int(b), ("", None, None))[2] for b in table.index]
    return table


def agreement(gold: pd.DataFrame) -> Agreement:
    """Per-kind precision and recall of the rules and their raw agreement with the gold labels."""
    predicted = [
        message_kind(text, [c for c in catalogs.split(",") if c])
        for text, catalogs in zip(gold["text"], gold["catalogs"], strict=True)
    ]
    frame = gold.assign(rules=predicted)
    confusion = pd.crosstab(frame["label"], frame["rules"]).reindex(index=KINDS, columns=KINDS, fill_value=0)
    wrong = frame[frame["label"] != frame["rules"]]
    return Agreement(
        n=len(frame),
        agreement=float((frame["label"] == frame["rules"]).mean()),
        per_kind=_per_kind(confusion),
        confusion=confusion,
        per_batch=_per_batch(frame),
        disagreements=wrong[["id", "batch", "text", "label", "rules"]].rename(columns={"label": "gold"}),
    )
