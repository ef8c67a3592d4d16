"""Optional covariates of the paired change model: shared script and tokenizer fertility.

Both are properties of a language that travel with typological distance (distant languages
often write another script and are cut into more pieces), so a source-distance coefficient can
be read with them held fixed. They are observational: the report says a change is "associated
with" them, never "caused by".

- ``script``: 1 when the language is written in the script of one of the condition's sources,
  0 when not, NaN when a script is unknown (ISO 15924 from the language metadata, else the
  registry).
- ``fertility``: sentencepiece pieces per whitespace word on the task's own test text, measured
  outside the analysis (``xstilts fertility``, which needs the model's tokenizer; this package
  never imports one) and read from a CSV with columns ``target_task, language, fertility`` (and
  ``model``, joined on when present: the pieces depend on the model's tokenizer).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xstilts.errors import ConfigError, DataFormatError

COVARIATES = ("script", "fertility")
COLUMN = {"script": "shared_script", "fertility": "fertility"}
FERTILITY_COLUMNS = ("target_task", "language", "fertility")


def check(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        if name not in COVARIATES:
            raise ConfigError(f"unknown covariate {name!r}", fix=f"use any of: {', '.join(COVARIATES)}")
    return tuple(names)


def read_fertility(path: str | Path) -> pd.DataFrame:
    """The fertility table ``xstilts fertility`` writes, validated, languages in ISO 639-3."""
    from xstilts.languages import canonical

    path = Path(path)
    if not path.is_file():
        raise DataFormatError(
            "no fertility table here", file=path, fix="run `xstilts fertility EXP.yaml` first"
        )
    table = pd.read_csv(path, dtype={"target_task": str, "language": str, "model": str})
    missing = [c for c in FERTILITY_COLUMNS if c not in table.columns]
    if missing:
        raise DataFormatError(f"missing column(s) {missing}", file=path, line=1,
                              fix=f"write the header {','.join(FERTILITY_COLUMNS)}")  # fmt: skip
    values = pd.to_numeric(table["fertility"], errors="coerce")
    bad = np.flatnonzero((values.isna() | (values <= 0)).to_numpy())
    if bad.size:
        raise DataFormatError(f"fertility {table['fertility'].iloc[bad[0]]!r} is not a positive number",
                              file=path, line=int(bad[0]) + 2, fix="pieces per word, e.g. 1.7")  # fmt: skip
    columns = (["model"] if "model" in table.columns else []) + list(FERTILITY_COLUMNS)
    return table.assign(language=table["language"].map(canonical), fertility=values)[columns]


def attach(rows: pd.DataFrame, info: pd.DataFrame, fertility: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``shared_script`` and ``fertility`` columns (NaN where unknown) to the analysis rows."""
    rows = rows.copy()
    scripts = info["script"].fillna("").astype(str).to_dict() if "script" in info else {}
    rows["shared_script"] = [
        _shared(scripts.get(language, ""), [scripts.get(s, "") for s in str(sources).split(",") if s])
        for language, sources in zip(rows["language"], rows["sources"], strict=True)
    ]
    if fertility is None or fertility.empty:
        rows["fertility"] = np.nan
        return rows
    by = ["model", "target_task", "language"] if "model" in fertility.columns else ["target_task", "language"]
    lookup = fertility.groupby(by)["fertility"].mean()
    keys = pd.MultiIndex.from_arrays([rows[column] for column in by])
    rows["fertility"] = lookup.reindex(keys).to_numpy()
    return rows


def _shared(script: str, source_scripts: list[str]) -> float:
    if not script or not source_scripts or not all(source_scripts):
        return float("nan")
    return 1.0 if script in source_scripts else 0.0
