"""Top-level language families from URIEL's ``fam`` vectors.

A language's ``fam`` vector marks every Glottolog family and subfamily node on its path to the
root (English: Indo-European, Germanic, Northwest Germanic, ...). The node that contains the most
languages on that path is the root, because every ancestor contains all its descendants'
languages. When a chain of nodes has the same membership (e.g. a family with one branch), the
earliest column wins: lang2vec stores the tree in pre-order, ancestors first.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from xstilts.typology.uriel import feature_set, resolve


@cache
def _family_order_key() -> np.ndarray:
    """Per column: membership count (desc), then column index (asc), folded into one sortable score."""
    fam = feature_set("fam")
    counts = np.nansum(fam.values, axis=0)
    n_columns = counts.size
    return counts * (n_columns + 1) + (n_columns - np.arange(n_columns))


def top_level_families(codes: list[str]) -> dict[str, str | None]:
    """Top-level family name for each code (keys exactly as given); None where URIEL has none.

    ``fam`` is loaded once for the whole list, so hundreds of codes cost one load.
    Unknown codes raise the one-line :class:`~xstilts.errors.UnknownNameError`.
    """
    fam = feature_set("fam")
    score = _family_order_key()
    out: dict[str, str | None] = {}
    for code in codes:
        row = fam.values[fam.rows[resolve(code)]]
        members = np.flatnonzero(row == 1.0)
        if members.size == 0:
            out[code] = None
            continue
        root = members[np.argmax(score[members])]
        out[code] = fam.feature_names[root].removeprefix("F_")
    return out


def top_level_family(code: str) -> str | None:
    """Top-level family name (e.g. ``"Indo-European"``) or None for isolates/unclassified languages."""
    return top_level_families([code])[code]
