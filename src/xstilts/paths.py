"""Where xstilts keeps what it builds.

Everything generated (converted models, built datasets, tokenization caches, artifacts) lives under
one home directory so a user can see, move or delete it in one place. ``XSTILTS_HOME`` overrides
the default ``~/.cache/xstilts`` (tests point it at a temporary directory).
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The xstilts home directory (created on demand)."""
    root = Path(os.environ.get("XSTILTS_HOME") or Path.home() / ".cache" / "xstilts").expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def models_dir() -> Path:
    path = home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Built datasets (gettext, UDHR): user-machine data that is never committed."""
    path = home() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Tokenization (Arrow) caches and other recomputable intermediates."""
    path = home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
