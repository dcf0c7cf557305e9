"""A real, throw-away redis-server (Debian's package) for tests and local runs: a free 127.0.0.1 port,
no persistence, a temporary working folder, ready once it answers PING."""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path
from types import TracebackType

from parley.devservers.process import (
    HOST,
    ManagedProcess,
    MissingDependency,
    find_program,
    free_port,
    remove_tree,
    tail,
)

FIX_HINT = "run `make services` (or `python -m parley.devservers ensure`, which apt-get installs redis-server)"


def redis_server_path() -> str:
    """The redis-server binary, or a MissingDependency saying how to get it."""
    found = find_program("redis-server")
    if found is None:
        raise MissingDependency(f"redis-server not found on PATH (Debian package `redis-server`); {FIX_HINT}")
    return found


def answers_ping(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """Whether a Redis server on host:port replies +PONG to an inline PING."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """redis-server on a free port with persistence off; a context manager.

    >>> with RedisServer() as server:
    ...     print(server.url)  # "redis://127.0.0.1:PORT/0"
    """

    def __init__(self, startup_timeout_s: float = 15.0, max_memory: str = "512mb") -> None:
        self.startup_timeout_s = startup_timeout_s
        self.max_memory = max_memory
        self.port = 0
        self.startup_seconds = 0.0
        self._workdir: Path | None = None
        self._process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        if self._process is None:
            raise RuntimeError("RedisServer is not running")
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> RedisServer:
        if self._process is not None:
            return self
        started = time.monotonic()
        binary = redis_server_path()
        self._workdir = Path(tempfile.mkdtemp(prefix="parley-redis-"))
        self.port = free_port()
        argv = [
            binary,
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self._workdir),
            "--daemonize",
            "no",
            "--maxmemory",
            self.max_memory,
            "--logfile",
            "",
        ]
        self._process = ManagedProcess("redis-server", argv, self._workdir / "redis.log", cwd=self._workdir)
        try:
            self._process.start()
            self._process.wait_ready(lambda: answers_ping(HOST, self.port), timeout_s=self.startup_timeout_s)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stop(grace_s=10.0)
        if self._workdir is not None:
            remove_tree(self._workdir)
            self._workdir = None

    def log_tail(self) -> str:
        return tail(self._workdir / "redis.log") if self._workdir else "(not started)"

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
