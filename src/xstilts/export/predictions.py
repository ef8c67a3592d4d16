"""Every stored prediction of an experiment as one tidy table (JSON Lines or Parquet).

One row per evaluated example: ``job, model, condition, seed, task, language, id, prediction,
gold``, so nobody has to dig in hashed artifact folders. Predictions and golds keep their natural
types in JSON Lines (a label, a list of tags, an answer string); Parquet needs one type per
column, so there they are JSON-encoded text. Retrieval rows give the xx->en retrieved sentence id
(gold: the sentence's own id); BUCC rows are the pairs kept at the sample-tuned threshold (no
per-pair gold); predict-only sets (labels withheld) have ``gold`` null.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from xstilts.errors import ConfigError
from xstilts.export.collect import PredictionSet, collect

COLUMNS = ("job", "model", "condition", "seed", "task", "language", "id", "prediction", "gold")
FORMATS = (".jsonl", ".parquet")


def _values(prediction_set: PredictionSet, record: dict[str, Any]) -> Iterator[tuple[Any, Any, Any]]:
    """``(id, prediction, gold)`` of one stored record."""
    if "src" in record:  # BUCC mining
        if float(record["score"]) >= float(prediction_set.info.get("threshold", float("-inf"))):
            yield record["src"], record["trg"], None
    elif "xx->en" in record:  # aligned retrieval (predict-only: alignment unknown)
        yield record["id"], record["xx->en"], None if prediction_set.predict_only else record["id"]
    else:
        yield record["id"], record["prediction"], record.get("gold")


def prediction_rows(
    store_path: Path, experiment: str, job_ids: list[str] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for prediction_set in collect(store_path, experiment, job_ids):
        cell = {
            "job": prediction_set.job,
            "model": prediction_set.model,
            "condition": prediction_set.condition,
            "seed": prediction_set.seed,
            "task": prediction_set.task,
            "language": prediction_set.language,
        }
        for record in prediction_set.records():
            for ident, prediction, gold in _values(prediction_set, record):
                rows.append({**cell, "id": ident, "prediction": prediction, "gold": gold})
    return rows


def export_predictions(store_path: Path, experiment: str, out: Path, job_ids: list[str] | None = None) -> int:
    """Write the table to ``out`` (``.jsonl`` or ``.parquet``); returns the number of rows."""
    if out.suffix not in FORMATS:
        raise ConfigError(
            f"cannot tell the table format of {out.name!r}", fix="end --out with .jsonl or .parquet"
        )
    rows = prediction_rows(store_path, experiment, job_ids)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".jsonl":
        with out.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        for column in ("prediction", "gold"):
            frame[column] = [json.dumps(value, ensure_ascii=False) for value in frame[column]]
        frame.to_parquet(out, index=False)
    return len(rows)
