"""Typological distances for the analysis: to the reference language and to intermediate sources.

The provider is a function ``(languages, reference) -> DataFrame`` (index: language; columns: the
URIEL distance kinds; NaN where URIEL lacks the data). The default one,
:func:`xstilts.typology.distance_table`, is imported only when used, so that the analysis and its
tests run with any provider.

A missing distance is never filled: the language leaves the regressions on that distance kind and
is listed, with the provider's reason when it gives one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xstilts.errors import MissingResourceError, XstiltsError

KINDS = ("syntactic", "phonological", "inventory", "genetic", "geographic", "featural", "genetic-cosine")
MAIN_KINDS = ("syntactic", "genetic")

DistanceProvider = Callable[[list[str], str], pd.DataFrame]


def default_provider(languages: list[str], reference: str) -> pd.DataFrame:
    """URIEL distances from :mod:`xstilts.typology` (imported lazily: it loads URIEL data)."""
    try:
        from xstilts.typology import distance_table
    except ImportError as error:
        raise MissingResourceError(
            f"typological distances are unavailable ({error})",
            fix="install xstilts with its typology module, or pass a distance_provider",
        ) from error
    return distance_table(languages, reference)


@dataclass
class DistanceSet:
    """Distances of the evaluated languages to the reference and to every intermediate source."""

    reference: str
    kinds: list[str]
    measure: str
    to_reference: pd.DataFrame  # language x kind
    to_source: dict[str, pd.DataFrame] = field(default_factory=dict)  # source -> language x kind
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)  # language, kind, to, reason

    def main_kinds(self) -> list[str]:
        """The kinds the headline answer and the scatter plots use (syntactic and genetic when present)."""
        main = [kind for kind in MAIN_KINDS if kind in self.kinds]
        return main or self.kinds[:1]


def fetch_distances(
    provider: DistanceProvider, languages: Iterable[str], reference: str, sources: Iterable[str] = ()
) -> DistanceSet:
    """Ask the provider for distances to ``reference`` and to each source other than it."""
    languages = sorted(set(languages))
    to_reference, measure, missing = _ask(provider, languages, reference)
    kinds = [kind for kind in KINDS if kind in to_reference.columns]
    to_source: dict[str, pd.DataFrame] = {}
    for source in sorted(set(sources) - {reference, ""}):
        table, _, source_missing = _ask(provider, languages, source)
        to_source[source] = table.reindex(columns=kinds)
        missing.extend(source_missing)
    missing_frame = pd.DataFrame(missing, columns=["language", "kind", "to", "reason"])
    missing_frame = missing_frame[missing_frame["kind"].isin(kinds)].reset_index(drop=True)
    return DistanceSet(reference, kinds, measure, to_reference[kinds], to_source, missing_frame)


def _call(
    provider: DistanceProvider, languages: list[str], reference: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One provider call; if it refuses the batch (a code it does not know), one call per language.

    A provider like URIEL's rejects a whole list for one unknown code. For the UDHR study one such
    code must cost only that language (listed with the provider's message), not the report. When
    every language fails, the reference itself is the problem and the provider's error stands.
    """
    try:
        return provider(list(languages), reference), {}
    except XstiltsError as batch_error:
        tables, errors = [], {}
        for language in languages:
            try:
                tables.append(provider([language], reference))
            except XstiltsError as error:
                errors[language] = error.one_line()
        if not tables:
            raise batch_error from None
        combined = pd.concat(tables)
        combined.attrs = dict(tables[0].attrs)
        combined.attrs["missing"] = _merged_missing(tables)
        return combined, errors


def _merged_missing(tables: list[pd.DataFrame]) -> dict:
    merged: dict = {}
    for table in tables:
        missing = table.attrs.get("missing")
        if isinstance(missing, dict):
            merged.update(missing)
    return merged


def _ask(provider: DistanceProvider, languages: list[str], reference: str) -> tuple[pd.DataFrame, str, list]:
    table, errors = _call(provider, languages, reference)
    if not isinstance(table, pd.DataFrame):
        raise XstiltsError(
            f"the distance provider returned {type(table).__name__}, not a DataFrame",
            fix="return a DataFrame indexed by language with one column per distance kind",
        )
    kinds = [kind for kind in KINDS if kind in table.columns]
    if not kinds:
        raise XstiltsError(
            f"the distance provider returned none of the distance kinds ({', '.join(KINDS)})",
            fix=f"got columns {', '.join(map(str, table.columns)) or '(none)'}",
        )
    table = _align_index(table[kinds].astype(float), languages)
    reasons = _missing_reasons(table.attrs.get("missing"))
    missing = []
    for language in languages:
        for kind in kinds:
            if np.isnan(table.at[language, kind]):
                reason = (
                    errors.get(language) or reasons.get((language, kind)) or reasons.get((language, None))
                )
                missing.append((language, kind, reference, reason or f"no {kind} distance to {reference}"))
    measure = str(table.attrs.get("measure", "") or "provider distances")
    return table, measure, missing


def _align_index(table: pd.DataFrame, languages: list[str]) -> pd.DataFrame:
    """Reindex by the requested codes, accepting a provider that answers in ISO 639-3 codes."""
    attrs = dict(table.attrs)
    index = {str(code): code for code in table.index}
    rows = {}
    for language in languages:
        found = index.get(language)
        if found is None:
            iso3 = _iso3_or_none(language)
            found = index.get(iso3) if iso3 else None
        rows[language] = table.loc[found] if found is not None else pd.Series(np.nan, index=table.columns)
    aligned = pd.DataFrame.from_dict(rows, orient="index", columns=table.columns).astype(float)
    aligned.index.name = "language"
    aligned.attrs = attrs
    return aligned


def _iso3_or_none(code: str) -> str | None:
    from xstilts.languages import to_iso3

    try:
        return to_iso3(code)
    except XstiltsError:
        return None


def _missing_reasons(missing: object) -> dict[tuple[str, str | None], str]:
    """Normalise the provider's ``attrs["missing"]`` (a dict, a list or a DataFrame) to reasons."""
    reasons: dict[tuple[str, str | None], str] = {}
    if isinstance(missing, pd.DataFrame) and "language" in missing.columns:
        for record in missing.to_dict("records"):
            kind = record.get("kind")
            reasons[(str(record["language"]), str(kind) if kind else None)] = str(record.get("reason", ""))
    elif isinstance(missing, dict):
        for language, detail in missing.items():
            if isinstance(detail, dict):
                for kind, reason in detail.items():
                    reasons[(str(language), str(kind))] = str(reason)
            elif isinstance(detail, list | tuple | set):
                for item in detail:  # "kind: reason" (xstilts.typology) or a bare kind name
                    kind, _, reason = str(item).partition(":")
                    kind = kind.strip()
                    reasons[(str(language), kind)] = reason.strip() or f"no {kind} data for {language}"
            else:
                reasons[(str(language), None)] = str(detail)
    return {key: value for key, value in reasons.items() if value}


def attach_distances(rows: pd.DataFrame, distances: DistanceSet) -> pd.DataFrame:
    """Add ``d_<kind>`` (to the reference), ``dsrc_<kind>`` (nearest intermediate source) and
    ``dsrcmean_<kind>`` (mean over the sources: the multi-source sensitivity) columns.

    The source distance of a multi-source condition is the minimum over its sources, and NaN when
    any source lacks the distance (a minimum over the sources that happen to have data would be
    biased towards whichever source URIEL covers). Conditions without sources get NaN.
    """
    rows = rows.copy()
    for kind in distances.kinds:
        rows[f"d_{kind}"] = rows["language"].map(distances.to_reference[kind])
        pairs = list(zip(rows["language"], rows["sources"], strict=True))
        rows[f"dsrc_{kind}"] = [
            _source_distance(language, sources, kind, distances, min) for language, sources in pairs
        ]
        rows[f"dsrcmean_{kind}"] = [
            _source_distance(language, sources, kind, distances, np.mean) for language, sources in pairs
        ]
    return rows


def _source_distance(language: str, sources: str, kind: str, distances: DistanceSet, combine=min) -> float:
    """Distance to a condition's sources, combined (minimum: nearest source; mean: sensitivity)."""
    codes = [code.strip() for code in sources.split(",") if code.strip()]
    if not codes:
        return float("nan")
    values = []
    for code in codes:
        table = distances.to_reference if code == distances.reference else distances.to_source[code]
        values.append(float(table.at[language, kind]))
    return float("nan") if any(np.isnan(values)) else float(combine(values))


def pairwise(provider: DistanceProvider, languages: list[str], kind: str) -> pd.DataFrame:
    """Square matrix of ``kind`` distances among ``languages`` (one provider call per language)."""
    matrix = pd.DataFrame(np.nan, index=languages, columns=languages, dtype=float)
    for language in languages:
        try:
            table, _ = _call(provider, languages, language)
        except XstiltsError:
            continue  # the provider knows nothing about this language: its row stays missing
        matrix.loc[language] = _align_index(table[[kind]].astype(float), languages)[kind].to_numpy()
    return matrix
