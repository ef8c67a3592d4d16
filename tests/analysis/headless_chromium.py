"""Drive headless Chromium over its DevTools pipe: load a page at a window size, measure it, shoot it.

Standard library only (no playwright: its browser download cannot happen offline; Debian's
``chromium`` package is the browser). ``--remote-debugging-pipe`` makes Chromium read DevTools
commands on fd 3 and write replies on fd 4, NUL-terminated JSON each; a ``bash`` ``exec``
puts our pipe ends on those numbers.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_browser() -> str | None:
    """The first Chromium-family executable on PATH, or None."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered 10 or above, so that ``3<&N 4>&M`` cannot clobber them.

    (Hence bash, not sh: dash refuses descriptors above 9.)
    """
    low = os.pipe()
    high = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in low)
    for fd in low:
        os.close(fd)
    return high[0], high[1]


class PageLoad:
    """A page loaded once in a fresh headless browser: what went wrong while loading, and tools to look."""

    def __init__(self, executable: str, url: str, width: int, height: int, timeout: float = 60.0) -> None:
        self.errors: list[str] = []
        self._deadline = time.monotonic() + timeout
        self._buffer = b""
        self._next_id = 0
        self._profile = tempfile.TemporaryDirectory(prefix="xstilts-chromium-")
        commands_read, self._commands = _high_pipe()
        self._replies, replies_write = _high_pipe()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the browser; closed in close())
        flags = ["--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
                 f"--user-data-dir={self._profile.name}", "about:blank"]  # fmt: skip
        self._process = subprocess.Popen(
            [
                shutil.which("bash") or "/bin/bash",
                "-c",
                f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write}',
                executable,
                *flags,
            ],
            pass_fds=(commands_read, replies_write),
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        os.close(commands_read)
        os.close(replies_write)
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})  # fmt: skip
        self.call("Page.navigate", {"url": url})
        self._wait_for("Page.loadEventFired")

    # -- the page ------------------------------------------------------------------------
    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression evaluated in the page."""
        reply = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise RuntimeError(f"page script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """A PNG of the viewport (or of the whole page)."""
        reply = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full_page})
        path.write_bytes(base64.b64decode(reply["data"]))
        return path

    def close(self) -> None:
        try:
            self._send({"id": self._id(), "method": "Browser.close"})
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        finally:
            os.close(self._commands)
            os.close(self._replies)
            self._log.close()
            self._profile.cleanup()

    def __enter__(self) -> PageLoad:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- DevTools protocol ---------------------------------------------------------------
    def call(self, method: str, params: dict | None = None) -> dict:
        """A command to the attached page; its result."""
        return self._call(method, params, session=True)

    def _call(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        message_id = self._id()
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        self._send(message)
        while True:
            reply = self._receive()
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _wait_for(self, event: str) -> None:
        while self._receive().get("method") != event:
            pass

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _send(self, message: dict) -> None:
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except BrokenPipeError as error:
            raise RuntimeError(f"headless Chromium exited: {self._log_tail()}") from error

    def _log_tail(self) -> str:
        self._log.seek(0)
        return " | ".join(self._log.read().decode(errors="replace").strip().splitlines()[-3:])

    def _receive(self) -> dict:
        """The next message; console errors, script exceptions and failed loads are kept in ``errors``."""
        while b"\0" not in self._buffer:
            left = self._deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError("headless Chromium did not answer in time")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise RuntimeError(f"headless Chromium exited: {self._log_tail()}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        self._note_error(message.get("method", ""), message.get("params", {}))
        return message

    def _note_error(self, method: str, params: dict) -> None:
        if method == "Runtime.exceptionThrown":
            self.errors.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(f"console: {params.get('args')}")
        elif method == "Network.loadingFailed":
            self.errors.append(f"load failed: {params.get('errorText')} ({params.get('type')})")
