"""One manifest schema for every dataset xstilts builds, and one build-result type.

Each builder (gettext, UDHR) writes ``manifest.json`` last, from a :class:`DatasetManifest`: which
dataset and version, which builder, the sources it read (each with its sha256), the parameters
that shaped it, every file written (sha256, bytes, rows), the languages, what was dropped and why,
and a builder-specific report (``details``) that its CLI summary prints. The data fingerprint reads
the same model, so it trusts the recorded hashes instead of re-hashing every file, and a manifest
from an older xstilts is refused with one line saying how to rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xstilts.errors import DataFormatError
from xstilts.hashing import sha256_file

MANIFEST = "manifest.json"
SCHEMA_VERSION = 1


class SourceRecord(BaseModel):
    """One input a build read: a tarball, a gettext catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    detail: str = ""  # package pin, license, locale...


class FileRecord(BaseModel):
    """One file a build wrote, relative to the dataset folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)
    rows: int | None = Field(default=None, ge=0)  # JSON Lines / CSV data rows; None for others


class DatasetManifest(BaseModel):
    """What a built dataset folder holds and how it was made (``manifest.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    dataset: str  # the name `xstilts data build <dataset>` takes
    dataset_version: str  # the folder name under XSTILTS_HOME/data/<dataset>/
    builder_version: str  # bumped when the builder would write other output
    built_at: str
    input_fingerprint: str  # what the up-to-date check compares: sources + settings
    sources: list[SourceRecord]
    parameters: dict[str, Any]  # thresholds and settings that shaped the output
    languages: list[str]
    files: dict[str, FileRecord]
    dropped: list[dict[str, Any]] = Field(default_factory=list)  # one record per dropped input
    details: dict[str, Any] = Field(default_factory=dict)  # the builder's own report

    def write(self, folder: Path) -> Path:
        """Write ``folder/manifest.json`` (builders call this last, after every data file)."""
        path = Path(folder) / MANIFEST
        text = json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        return path

    def intact(self, folder: Path) -> bool:
        """Every listed file exists with its recorded size and content hash."""
        for relative, record in self.files.items():
            path = Path(folder) / relative
            if not path.is_file() or path.stat().st_size != record.bytes:
                return False
            if sha256_file(path) != record.sha256:
                return False
        return True


def sha256_bytes(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def file_record(payload: bytes, rows: int | None = None) -> FileRecord:
    """The record of a file about to be written with exactly ``payload``."""
    return FileRecord(sha256=sha256_bytes(payload), bytes=len(payload), rows=rows)


def read_manifest(folder: Path) -> DatasetManifest | None:
    """The folder's manifest, ``None`` when there is none; an unreadable one is one clear error.

    A manifest written by an older xstilts (another schema) cannot be trusted to describe the
    files: the fix is to rebuild, and the error says with which command.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFormatError(
            f"unreadable dataset manifest ({error})", file=path, fix=_rebuild_fix(None, folder)
        ) from None
    name = raw.get("dataset") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or raw.get("schema_version") != SCHEMA_VERSION:
        found = raw.get("schema_version", "none") if isinstance(raw, dict) else "none"
        raise DataFormatError(
            f"dataset manifest from an older xstilts (schema {found}, expected {SCHEMA_VERSION})",
            file=path,
            fix=_rebuild_fix(name, folder),
        )
    try:
        return DatasetManifest.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DataFormatError(
            f"dataset manifest field {where!r}: {first['msg']}", file=path, fix=_rebuild_fix(name, folder)
        ) from None


def _rebuild_fix(name: object, folder: Path) -> str:
    """The rebuild command; older manifests lack ``dataset``, their folder (gettext/v1) names it."""
    if not isinstance(name, str) or not name:
        known = [part for part in Path(folder).parts if part in ("gettext", "udhr")]
        name = known[-1] if known else "<name>"
    return f"rebuild it with `xstilts data build {name} --force`"


@dataclass(frozen=True)
class BuildResult:
    """What a build did: where the dataset is, its manifest, and whether it was rebuilt."""

    path: Path
    manifest: DatasetManifest
    rebuilt: bool
    seconds: float
    problems: list[str] = field(default_factory=list)  # one line per input that could not be read

    @property
    def status(self) -> str:
        return "built" if self.rebuilt else "up_to_date"
