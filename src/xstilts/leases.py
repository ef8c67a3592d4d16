"""Leases: who owns a piece of unfinished work, and whether that owner is provably gone.

Several processes may share one artifact folder: two runs on this machine, Ray workers on other
hosts, containers with their own PID namespace. A PID alone says nothing about a process on
another host or in another namespace, so every unfinished thing (a temporary artifact folder, a
claim on a job, a run row) carries a lease: host, boot id, PID namespace, PID, the process's
start time and a heartbeat. Its owner is dead only when that is provable:

- same host, same boot, same PID namespace, and that PID is gone (or is another process now);
- same host but a different boot id (the machine rebooted since);
- anything else (other host or namespace) only when the heartbeat is older than the time to live.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

LEASE = ".lease.json"
HEARTBEAT_S = float(os.environ.get("XSTILTS_LEASE_HEARTBEAT_S", "30"))
# A lease from another host/namespace expires after this long without a heartbeat.
TTL_S = float(os.environ.get("XSTILTS_LEASE_TTL_S", "600"))


@cache
def boot_id() -> str:
    """The kernel's id of this boot (Linux); empty where the OS has none."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (guards against PID reuse)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def pid_alive(pid: int, started: str = "") -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or not process_start(pid) or process_start(pid) == started


@dataclass(frozen=True)
class Owner:
    host: str
    boot_id: str
    pid_ns: str
    pid: int
    started: str
    heartbeat: float

    @classmethod
    def me(cls) -> Owner:
        pid = os.getpid()
        return cls(socket.gethostname(), boot_id(), pid_namespace(), pid, process_start(pid), time.time())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Owner:
        return cls(
            str(data.get("host", "")),
            str(data.get("boot_id", "")),
            str(data.get("pid_ns", "")),
            int(data.get("pid", -1)),
            str(data.get("started", "")),
            float(data.get("heartbeat", 0.0)),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def is_me(self) -> bool:
        me = Owner.me()
        return (self.host, self.boot_id, self.pid_ns, self.pid) == (me.host, me.boot_id, me.pid_ns, me.pid)

    def is_dead(self, now: float | None = None, ttl_s: float | None = None) -> bool:
        """True only when this owner provably cannot be working any more."""
        now = time.time() if now is None else now
        ttl = TTL_S if ttl_s is None else ttl_s
        if self.host == socket.gethostname() and self.boot_id and self.boot_id == boot_id():
            if self.pid_ns and self.pid_ns == pid_namespace():
                return not pid_alive(self.pid, self.started)
        elif self.host == socket.gethostname() and self.boot_id and boot_id() and self.boot_id != boot_id():
            return True  # this machine rebooted since the owner wrote its lease
        return now - self.heartbeat > ttl


def read_owner(path: Path) -> Owner | None:
    try:
        return Owner.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_owner(path: Path, owner: Owner | None = None) -> None:
    """Write (or refresh) a lease file atomically, so a reader never sees half of it."""
    owner = owner or Owner.me()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(json.dumps(owner.as_dict()), encoding="utf-8")
    os.replace(tmp, path)


def folder_is_dead(folder: Path, ttl_s: float | None = None) -> bool:
    """A temporary folder is dead when its lease's owner is; without a lease, when it is old."""
    owner = read_owner(folder / LEASE)
    if owner is not None:
        return owner.is_dead(ttl_s=ttl_s)
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False  # gone already (its owner published or removed it)
    return age > (TTL_S if ttl_s is None else ttl_s)


class Heartbeat:
    """Refresh a set of lease files every few seconds from a daemon thread."""

    def __init__(self, interval_s: float = HEARTBEAT_S) -> None:
        self.interval_s = interval_s
        self._paths: set[Path] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, path: Path) -> None:
        with self._lock:
            self._paths.add(path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._beat, name="xstilts-lease", daemon=True)
                self._thread.start()

    def discard(self, path: Path) -> None:
        with self._lock:
            self._paths.discard(path)

    def _beat(self) -> None:
        while True:
            time.sleep(self.interval_s)
            with self._lock:  # held while writing: after discard() no write can land
                for path in list(self._paths):
                    try:
                        if path.exists():
                            write_owner(path)
                    except OSError:
                        pass  # a full or read-only disk: the owner's own writes will report it


HEARTBEAT = Heartbeat()


def dead_tempdirs(parent: Path, prefix: str = ".tmp-") -> list[Path]:
    """Temporary folders under ``parent`` whose owner is provably dead."""
    if not parent.is_dir():
        return []
    return [p for p in parent.glob(f"{prefix}*") if p.is_dir() and folder_is_dead(p)]
