"""Language metadata for the report: names, families (for clustering) and coordinates (for the map).

Metadata comes from the caller (the UDHR study has hundreds of languages with Glottolog families
and coordinates); where it is missing, the project's language registry still knows the name and
family of the XTREME languages. A language whose family nobody knows forms its own cluster: that
is the conservative choice (it cannot be merged with a family it may not belong to).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xstilts.errors import DataFormatError, MissingResourceError, XstiltsError

META_COLUMNS = [
    "language",
    "name",
    "family",
    "latitude",
    "longitude",
    "script",
]  # script: ISO 15924, optional


def read_language_meta(path: str | Path) -> pd.DataFrame:
    """Read a CSV/TSV with a header holding at least ``language`` and one of the other columns."""
    path = Path(path)
    if not path.is_file():
        raise MissingResourceError("language metadata file not found", file=path, fix="check the path")
    separator = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        table = pd.read_csv(path, sep=separator, dtype={"language": str})
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataFormatError(f"cannot parse metadata: {error}", file=path, fix="write CSV or TSV") from error
    return normalise_meta(table, source=path)


def normalise_meta(table: pd.DataFrame | None, *, source: str | Path = "language metadata") -> pd.DataFrame:
    """Validate and complete a metadata table to the :data:`META_COLUMNS` (one row per language)."""
    if table is None:
        return pd.DataFrame(columns=META_COLUMNS)
    if "language" not in table.columns:
        raise DataFormatError(
            f"the header lacks a 'language' column (has: {', '.join(map(str, table.columns))})",
            file=source,
            line=1,
            fix=f"name the columns {', '.join(META_COLUMNS)}",
        )
    table = table.copy()
    for column in META_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    table = table[META_COLUMNS]
    from xstilts.languages import canonical

    table["language"] = table["language"].astype(str).str.strip().map(canonical)  # the analysis' identity
    for column in ("latitude", "longitude"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() & table[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFormatError(
                f"{column} {table[column].iloc[row]!r} is not a number",
                file=source,
                line=row + 2,  # header is line 1
                fix="write decimal degrees",
            )
        table[column] = numbers
    duplicated = table["language"].duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataFormatError(
            f"language {table['language'].iloc[row]!r} appears twice", file=source, line=row + 2,
            fix="keep one row per language",
        )  # fmt: skip
    return table.set_index("language", drop=False)


def uriel_meta(languages: list[str]) -> pd.DataFrame | None:
    """Top-level families and coordinates from URIEL (:mod:`xstilts.typology`), or None if unavailable.

    Used when the distances come from URIEL too and no metadata was given, so that family
    clustering and the world map work for any language URIEL knows (the UDHR breadth study).
    Languages URIEL does not know are left without metadata rather than failing the report.
    """
    try:
        from xstilts.typology import top_level_families
        from xstilts.typology.geography import coordinates
    except ImportError:
        return None
    families: dict[str, str] = {}
    for code in languages:
        try:
            families[code] = top_level_families([code])[code] or ""
        except XstiltsError:
            continue
    if not families:
        return None
    known = list(families)
    places = coordinates(known)
    table = pd.DataFrame({"language": known, "family": [families[c] for c in known]})
    table["latitude"] = places["latitude"].to_numpy()
    table["longitude"] = places["longitude"].to_numpy()
    return table


def language_info(languages: list[str], meta: pd.DataFrame) -> pd.DataFrame:
    """Name, family, coordinates and script per language: metadata first, the registry as a fallback."""
    from xstilts.languages import get_language

    rows = []
    for code in languages:
        name, family, script = code, "", ""
        try:
            registered = get_language(code)
            name = registered.name
            family = "" if registered.family == "unknown" else registered.family
            script = "" if registered.script == "Zyyy" else registered.script  # Zyyy: not registered
        except XstiltsError:
            pass
        latitude = longitude = np.nan
        if code in meta.index:
            record = meta.loc[code]
            name = _text(record["name"]) or name
            family = _text(record["family"]) or family
            script = _text(record["script"]) or script
            latitude, longitude = float(record["latitude"]), float(record["longitude"])
        rows.append({"language": code, "name": name, "family": family, "latitude": latitude,
                     "longitude": longitude, "script": script})  # fmt: skip
    return pd.DataFrame(rows, columns=META_COLUMNS).set_index("language", drop=False)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def cluster_labels(languages: pd.Series, info: pd.DataFrame, cluster: str) -> pd.Series:
    """The cluster of each observation: its language, or its family (unknown family = own cluster)."""
    if cluster == "language":
        return languages.astype(str)
    if cluster == "family":
        families = languages.map(info["family"]).fillna("")
        return pd.Series(
            [
                family if family else f"(unknown: {language})"
                for language, family in zip(languages, families, strict=True)
            ],
            index=languages.index,
        )
    raise XstiltsError(f"unknown cluster unit {cluster!r}", fix="use 'language' or 'family'")


def has_families(info: pd.DataFrame) -> bool:
    """True when at least two languages share a known family (a breakdown is then informative)."""
    families = info["family"][info["family"] != ""]
    return bool(len(families) and families.duplicated().any())


def has_coordinates(info: pd.DataFrame) -> bool:
    return bool(info[["latitude", "longitude"]].notna().all(axis=1).any())
