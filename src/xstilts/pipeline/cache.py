"""Artifacts on disk, written atomically and found by content hash.

An artifact is a folder ``<root>/<kind>/<key>/`` that exists only when complete: it is built in a
temporary sibling and renamed into place as the last step (``os.replace`` is atomic on one
filesystem), and ``meta.json`` is written inside it before that rename. A run killed at any
instant leaves either a complete artifact or a temporary folder that the next run removes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

META = "meta.json"
_TMP_PREFIX = ".tmp-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ArtifactCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def is_complete(self, kind: str, key: str) -> bool:
        return (self.path(kind, key) / META).is_file()

    def meta(self, kind: str, key: str) -> dict[str, Any]:
        return json.loads((self.path(kind, key) / META).read_text(encoding="utf-8"))

    @contextmanager
    def build(self, kind: str, key: str, meta: dict[str, Any]) -> Iterator[Path]:
        """Yield a temporary folder to fill; on success it becomes the artifact (with meta.json)."""
        final = self.path(kind, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{key}-{os.getpid()}-", dir=final.parent))
        try:
            yield tmp
            (tmp / META).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str), encoding="utf-8")
            if final.exists():  # a concurrent worker finished the same job: keep theirs
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def clean_stale(self) -> int:
        """Remove temporary folders left by killed processes (never a live process's)."""
        removed = 0
        for tmp in self.root.glob(f"*/{_TMP_PREFIX}*"):
            parts = tmp.name[len(_TMP_PREFIX) :].split("-")
            pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
            if pid is None or not _pid_alive(pid):
                shutil.rmtree(tmp, ignore_errors=True)
                removed += 1
        return removed
