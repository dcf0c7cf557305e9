"""A real, throw-away redis-server (Debian's package) for tests and local runs: a free 127.0.0.1 port,
no persistence, a temporary working folder, ready once it answers PING."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

from parley.devservers.process import (
    HOST,
    ManagedProcess,
    MissingDependency,
    StartupFailed,
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


def redis_cli_path() -> str:
    """redis-cli from the same package as redis-server (beside it), or a MissingDependency."""
    beside = Path(redis_server_path()).with_name("redis-cli")
    found = str(beside) if beside.is_file() else find_program("redis-cli")
    if found is None:
        raise MissingDependency(f"redis-cli not found beside redis-server or on PATH; {FIX_HINT}")
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
            *self._extra_args(),
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

    def _extra_args(self) -> list[str]:
        return []

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


class _ClusterNode(RedisServer):
    """One member of a ``RedisCluster``: cluster mode on, its node table in its own temporary folder, its
    cluster bus on a free port of its own (by default port + 10,000: maybe taken, or past 65,535)."""

    def _extra_args(self) -> list[str]:
        bus = free_port()
        while bus == self.port:
            bus = free_port()
        return [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "5000",
            "--repl-ping-replica-period",
            "1",
            "--cluster-port",
            str(bus),
        ]


def _cluster_info(port: int, timeout_s: float = 0.5) -> str:
    """``CLUSTER INFO`` of the node on 127.0.0.1:port (RESP bulk string), or "" when it does not answer."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout_s) as connection:
            connection.sendall(b"CLUSTER INFO\r\n")
            reply = b""
            while not reply.endswith(b"\r\n\r\n") and b"cluster_my_epoch" not in reply:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                reply += chunk
            return reply.decode(errors="replace")
    except OSError:
        return ""


class RedisCluster:
    """A throw-away Redis Cluster: three primaries (by default no replicas; ``replicas`` per primary to
    see a failover) on free 127.0.0.1 ports, every slot assigned by ``redis-cli --cluster create``, ready
    once each node reports ``cluster_state:ok``; a context manager, like ``RedisServer``.

    >>> with RedisCluster() as cluster:
    ...     print(cluster.url)  # "redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"
    """

    def __init__(self, nodes: int = 3, startup_timeout_s: float = 30.0, *, replicas: int = 0) -> None:
        """``nodes`` primaries and ``replicas`` per primary: ``self.nodes`` holds them all."""
        if nodes < 3:
            raise ValueError("redis-cli --cluster create needs at least 3 primaries")
        self.startup_timeout_s = startup_timeout_s
        self.startup_seconds = 0.0
        self.replicas = replicas
        self.nodes = [_ClusterNode(startup_timeout_s=startup_timeout_s) for _ in range(nodes * (1 + replicas))]
        self._running = False

    @property
    def ports(self) -> list[int]:
        return [node.port for node in self.nodes]

    @property
    def url(self) -> str:
        if not self._running:
            raise RuntimeError("RedisCluster is not running")
        return "redis-cluster://" + ",".join(f"{HOST}:{port}" for port in self.ports)

    def start(self) -> RedisCluster:
        if self._running:
            return self
        started = time.monotonic()
        try:
            cli = redis_cli_path()
            for node in self.nodes:
                node.start()
            self._create(cli)
            deadline = time.monotonic() + self.startup_timeout_s
            while not all("cluster_state:ok" in _cluster_info(port) for port in self.ports):
                if time.monotonic() > deadline:
                    raise StartupFailed(f"the cluster on ports {self.ports} did not reach cluster_state:ok")
                time.sleep(0.1)
            while self.replicas and not self._replicas_listed():
                if time.monotonic() > deadline:
                    raise StartupFailed(f"the replicas of the cluster on ports {self.ports} were never listed")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise
        self._running = True
        self.startup_seconds = time.monotonic() - started
        return self

    def _create(self, cli: str) -> None:
        argv = [cli, "--cluster", "create", *(f"{HOST}:{port}" for port in self.ports)]
        argv += ["--cluster-replicas", str(self.replicas), "--cluster-yes"]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self.startup_timeout_s, check=False)
        except subprocess.TimeoutExpired as error:
            raise StartupFailed(f"redis-cli --cluster create did not finish: {error}") from None
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")
            raise StartupFailed(f"redis-cli --cluster create failed ({done.returncode}):\n{output[-2000:]}")

    def _replicas_listed(self) -> bool:
        """Every slot range lists its replicas in CLUSTER SLOTS, where clients read the topology from (a
        replica is listed once it follows its primary and its replication offset has moved: the nodes'
        replication ping, every second here, moves it)."""
        client = redis.Redis(host=HOST, port=self.ports[0], socket_timeout=2, socket_connect_timeout=2)
        try:
            ranges = client.execute_command("CLUSTER SLOTS")  # type: ignore[no-untyped-call]
        except redis.RedisError:
            return False
        finally:
            client.close()
        return bool(ranges) and all(len(nodes) - 3 >= self.replicas for nodes in ranges)

    def stop(self) -> None:
        self._running = False
        for node in self.nodes:
            node.stop()

    def log_tail(self) -> str:
        return "\n".join(f"--- node {node.port}\n{node.log_tail()}" for node in self.nodes)

    def __enter__(self) -> RedisCluster:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
