"""Commands packed with hiredis are byte for byte what redis-py's own asyncio packer sends, one at a time
and a whole pipeline at once."""

from __future__ import annotations

import pytest
from redis.asyncio import Connection

from parley.store.connect import HiredisPacking

COMMANDS: list[tuple[object, ...]] = [
    ("GET", "parley:{d:D-1}:state"),
    ("EVALSHA", "ab" * 20, 3, "k1", "k2", "k3", 7, b"\x00\xffblob", "é"),
    ("SCRIPT LOAD", "return 1"),
    ("MEMORY USAGE", b"parley:{d:D-1}:state"),
    (b"ZADD", "parley:{p:0}:due", "NX", 1_764_100_000_000, "D-1|snd_x"),
    (b"CLIENT ID",),
    ("SET", "k", b"v" * 10_000, "PX", 604_800_000),
    ("HGETALL", memoryview(b"parley:{d:D-1}:send:s-1")),
]


class _Fast(HiredisPacking, Connection):
    pass


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: str(command[0]))
def test_hiredis_packing_matches_redis_py(command: tuple[object, ...]) -> None:
    reference = b"".join(bytes(chunk) for chunk in Connection().pack_command(*command))  # type: ignore[arg-type]
    assert b"".join(_Fast().pack_command(*command)) == reference


def test_a_pipeline_packs_as_redis_py_packs_it() -> None:
    reference = b"".join(bytes(chunk) for chunk in Connection().pack_commands(COMMANDS))  # type: ignore[arg-type]
    assert _Fast().pack_commands(COMMANDS) == [reference]


def test_an_empty_pipeline_packs_to_nothing() -> None:
    assert b"".join(_Fast().pack_commands([])) == b""
