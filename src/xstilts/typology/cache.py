"""On-disk cache of computed distance matrices, so a repeated report never touches URIEL again.

A cached entry holds every distance kind for one sorted set of URIEL codes. It is keyed by the
measure name (which carries a version) and the codes, so changing the definition of any distance
means bumping :data:`xstilts.typology.distances.MEASURE`, which makes old entries unreachable
instead of silently reusing them. Entries are ``.npz`` files (no pickle) written atomically: a
crash mid-write leaves no half file for the next run to trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from xstilts.paths import cache_dir


def typology_cache_dir(measure: str) -> Path:
    """``<cache_dir>/typology/<measure>/`` (created on demand)."""
    folder = cache_dir() / "typology" / measure
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def entry_path(measure: str, codes: tuple[str, ...]) -> Path:
    """Where the entry for (measure, codes) lives; the key is a hash so long lists stay short names."""
    digest = hashlib.sha256(f"{measure}\n{','.join(codes)}".encode()).hexdigest()[:24]
    return typology_cache_dir(measure) / f"{digest}.npz"


def save_entry(
    measure: str,
    codes: tuple[str, ...],
    matrices: dict[str, np.ndarray],
    missing: dict[str, dict[str, str]],
) -> Path:
    """Write one entry atomically and return its path."""
    path = entry_path(measure, codes)
    arrays = {f"matrix_{kind}": matrix for kind, matrix in matrices.items()}
    arrays["codes"] = np.array(codes, dtype=str)
    arrays["meta"] = np.array(json.dumps({"measure": measure, "kinds": list(matrices), "missing": missing}))
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        with open(tmp_name, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return path


def load_entry(
    measure: str, codes: tuple[str, ...]
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, str]]] | None:
    """The cached (matrices, missing reasons) for (measure, codes), or None when absent or unreadable.

    An unreadable or mismatching file is treated as a miss (and later overwritten), because the
    cache only ever holds recomputable data.
    """
    path = entry_path(measure, codes)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            if meta.get("measure") != measure or tuple(str(c) for c in archive["codes"]) != codes:
                return None
            matrices = {kind: archive[f"matrix_{kind}"].astype(np.float64) for kind in meta["kinds"]}
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    return matrices, meta["missing"]
