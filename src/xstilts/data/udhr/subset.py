"""The built dataset's language table, and family-stratified language subsets for demos.

A random sample of UDHR languages would be dominated by Indo-European and Atlantic-Congo (a third
of the set); a demo of "transfer gap vs typological distance" needs spread across families. The
subset takes languages round-robin over families (largest family first), so every family gets one
language before any family gets a second. Within a family, languages with more aligned units come
first and ``seed`` orders the rest. Languages of unknown family come after all others.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from xstilts.errors import ConfigError, DataFormatError, MissingResourceError

if TYPE_CHECKING:
    import pandas as pd

META_COLUMNS = ("language", "name", "family", "latitude", "longitude", "script", "units")
UNKNOWN_FAMILY = "unknown"


def _languages_csv(data_root: Path | None) -> Path:
    """``languages.csv`` of the dataset folder (or of ``<udhr folder>/v1``)."""
    from xstilts.data.udhr.build import DATASET_VERSION, dataset_dir

    folder = dataset_dir() if data_root is None else Path(data_root)
    for candidate in (folder / "languages.csv", folder / DATASET_VERSION / "languages.csv"):
        if candidate.is_file():
            return candidate
    raise MissingResourceError(
        "the UDHR dataset is not built", file=folder / "languages.csv", fix="run `xstilts data build udhr`"
    )


def language_meta(data_root: Path | str | None = None) -> pd.DataFrame:
    """One row per test language: language, name, family, latitude, longitude, script, units.

    ``data_root`` is the dataset folder (``<XSTILTS_HOME>/data/udhr/v1`` by default, what
    ``get_task("udhr-retrieval").data_root()`` returns); the ``udhr`` folder above it works too.
    """
    import pandas as pd

    path = _languages_csv(None if data_root is None else Path(data_root))
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [column for column in META_COLUMNS if column not in header]
    if missing:
        raise DataFormatError(
            f"missing column(s) {missing}", file=path, line=1, fix="rebuild: xstilts data build udhr --force"
        )
    frame = pd.read_csv(
        path, dtype={"language": str, "name": str, "family": str, "script": str}, keep_default_na=False
    )
    frame = frame.loc[:, list(META_COLUMNS)]
    for column in ("latitude", "longitude"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
    frame["units"] = frame["units"].astype(int)
    frame["script"] = frame["script"].replace("", None)
    return frame.sort_values("language", ignore_index=True)


def stratified_subset(
    n_languages: int = 80, min_families: int = 20, seed: int = 0, data_root: Path | str | None = None
) -> list[str]:
    """``n_languages`` codes spanning at least ``min_families`` known families (sorted list).

    Deterministic: the same dataset, ``n_languages`` and ``seed`` always give the same list.
    Raises :class:`ConfigError` when the request cannot be met.
    """
    meta = language_meta(data_root)
    if not 1 <= n_languages <= len(meta):
        raise ConfigError(
            f"cannot pick {n_languages} of the {len(meta)} UDHR languages", fix=f"ask for 1..{len(meta)}"
        )
    rng = np.random.default_rng(seed)
    meta = meta.assign(_order=rng.permutation(len(meta)))
    groups: dict[str, list[str]] = {}
    for family, rows in meta.groupby("family", sort=True):
        ordered = rows.sort_values(["units", "_order"], ascending=[False, True])
        groups[str(family)] = list(ordered["language"])
    unknown = groups.pop(UNKNOWN_FAMILY, [])
    families = sorted(groups, key=lambda name: (-len(groups[name]), name))
    chosen: list[str] = []
    for depth in range(max((len(group) for group in groups.values()), default=0)):
        chosen += [groups[family][depth] for family in families if depth < len(groups[family])]
    chosen = (chosen + unknown)[:n_languages]
    family_of = dict(zip(meta["language"], meta["family"], strict=True))
    covered = {family_of[code] for code in chosen} - {UNKNOWN_FAMILY}
    if len(covered) < min_families:
        known = len(groups)
        raise ConfigError(
            f"{n_languages} languages cover only {len(covered)} families (the dataset has {known}), "
            f"fewer than min_families={min_families}",
            fix=f"ask for at least {min_families} languages or lower min_families to at most {min(known, n_languages)}",
        )
    return sorted(chosen)
