"""Stored predictions in the layout google-research/xtreme's ``evaluate.py --prediction_folder`` reads.

``evaluate.py`` walks ``<folder>/<task>/test-<lang>.<suffix>`` (``json`` for the QA tasks, ``tsv``
otherwise) and reads, per task (own code, written after its ``read_label``/``read_tag``/
``read_squad`` readers):

=====================  ====================================================================
xnli, pawsx            one predicted label per line, in the order of the test file
udpos, panx            one predicted tag per line, a blank line after each sentence
tatoeba                one line per sentence of the language: the 0-based line, in XTREME's
                       sorted English file ``tatoeba/{lang}-en.en``, of the English sentence
                       it retrieves (xx->en)
bucc2018               ``<src id><TAB><en id>`` per mined pair kept at the threshold chosen on
                       the sample split
xquad, mlqa, tydiqa    one JSON object ``{question id: answer text}``
=====================  ====================================================================

One model x condition x seed is one prediction folder, so the export writes
``<out>/<model>/<condition>/seed-<seed>/<task>/test-<lang>.<suffix>``. Lines follow the
evaluated examples, which are the test file's in its order; a run limited by
``max_examples_per_language`` evaluated a subset, and :func:`export_xtreme` says so (``evaluate.py``
would then refuse the file for a length mismatch).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xstilts.export.collect import PredictionSet, collect

CLASSIFICATION = ("xnli", "pawsx")
TAGGING = ("udpos", "panx")
QA = ("xquad", "mlqa", "tydiqa")
XTREME_TASKS = (*CLASSIFICATION, *TAGGING, *QA, "bucc2018", "tatoeba")


def suffix(task: str) -> str:
    return "json" if task in QA else "tsv"


def _labels(records: list[dict[str, Any]], info: dict[str, Any]) -> str:
    return "".join(f"{record['prediction']}\n" for record in records)


def _tags(records: list[dict[str, Any]], info: dict[str, Any]) -> str:
    return "".join("".join(f"{tag}\n" for tag in record["prediction"]) + "\n" for record in records)


def _answers(records: list[dict[str, Any]], info: dict[str, Any]) -> str:
    return json.dumps({record["id"]: record["prediction"] for record in records}, ensure_ascii=False) + "\n"


def _retrieved_lines(records: list[dict[str, Any]], info: dict[str, Any]) -> str:
    """XTREME's line numbers are those of its *sorted* English file (see ``xtreme_sorted_lines``)."""
    return "".join(f"{record['xx->en@sorted']}\n" for record in records)


def _mined_pairs(records: list[dict[str, Any]], info: dict[str, Any]) -> str:
    threshold = float(info["threshold"])
    return "".join(f"{r['src']}\t{r['trg']}\n" for r in records if float(r["score"]) >= threshold)


WRITERS: dict[str, Callable[[list[dict[str, Any]], dict[str, Any]], str]] = {
    **dict.fromkeys(CLASSIFICATION, _labels),
    **dict.fromkeys(TAGGING, _tags),
    **dict.fromkeys(QA, _answers),
    "tatoeba": _retrieved_lines,
    "bucc2018": _mined_pairs,
}


@dataclass(frozen=True)
class Written:
    """One exported file and what went into it."""

    path: Path
    prediction_set: PredictionSet
    n_lines: int


def folder_for(out: Path, prediction_set: PredictionSet) -> Path:
    """The ``--prediction_folder`` of the set's model, condition and seed."""
    return out / _slug(prediction_set.model) / _slug(prediction_set.condition) / f"seed-{prediction_set.seed}"


def _slug(text: str) -> str:
    """A path component: a model path or hub id keeps its last part, odd characters become '-'."""
    return re.sub(r"[^A-Za-z0-9_.=+-]+", "-", Path(text).name or text).strip("-") or "model"


def export_xtreme(
    store_path: Path, experiment: str, out: Path, job_ids: list[str] | None = None
) -> tuple[list[Written], list[str]]:
    """Write every stored XTREME prediction set; returns the files written and the tasks skipped."""
    written, skipped = [], set()
    for prediction_set in collect(store_path, experiment, job_ids):
        if prediction_set.task not in WRITERS:
            skipped.add(prediction_set.task)
            continue
        records = prediction_set.records()
        task = prediction_set.task
        path = folder_for(out, prediction_set) / task / f"test-{prediction_set.language}.{suffix(task)}"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = WRITERS[task](records, prediction_set.info)
        path.write_text(text, encoding="utf-8")
        written.append(Written(path, prediction_set, len(records)))
    return written, sorted(skipped)


# --- reading the layout back (what evaluate.py does before it scores) ------------------------------


def read_labels(path: Path) -> list[str]:
    """``read_label``: one stripped line per example."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]


def read_tags(path: Path) -> list[list[str]]:
    """``read_tag``: blank-line-separated blocks of one tag per line."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line.strip())
        else:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def read_answers(path: Path) -> dict[str, str]:
    """The QA prediction file: ``{question id: answer}``."""
    return json.loads(path.read_text(encoding="utf-8"))


def read_pairs(path: Path) -> set[tuple[str, str]]:
    """BUCC: the mined ``(src id, en id)`` pairs."""
    return {tuple(line.split("\t")) for line in read_labels(path) if line}  # type: ignore[misc]


READERS: dict[str, Callable[[Path], Any]] = {
    **dict.fromkeys(CLASSIFICATION, read_labels),
    **dict.fromkeys(TAGGING, read_tags),
    **dict.fromkeys(QA, read_answers),
    "tatoeba": read_labels,
    "bucc2018": read_pairs,
}
