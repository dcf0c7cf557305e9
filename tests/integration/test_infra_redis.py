"""The redis-server the session starts is real: values and Lua scripts round-trip through redis-py's
asyncio client, and it keeps nothing on disk."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio

from parley.devservers import RedisServer
from parley.devservers.redis import answers_ping

COUNT_AND_REMEMBER = """
local count = redis.call('HINCRBY', KEYS[1], 'count', tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'last', ARGV[2])
return {count, redis.call('HGET', KEYS[1], 'last')}
"""


async def test_a_value_written_with_a_ttl_reads_back_unchanged(
    redis_client: redis.asyncio.Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}greeting"
    await redis_client.set(key, "hola, ¿cómo estás?".encode(), ex=60)
    assert await redis_client.get(key) == "hola, ¿cómo estás?".encode()
    assert 0 < await redis_client.ttl(key) <= 60


async def test_a_registered_lua_script_updates_a_hash_atomically_and_returns_its_result(
    redis_client: redis.asyncio.Redis, key_prefix: str
) -> None:
    script = redis_client.register_script(COUNT_AND_REMEMBER)
    key = f"{key_prefix}{{debtor-1}}:counter"
    assert await script(keys=[key], args=[2, "first"]) == [2, b"first"]
    assert await script(keys=[key], args=[3, "second"]) == [5, b"second"]
    assert await redis_client.hgetall(key) == {b"count": b"5", b"last": b"second"}


async def test_a_dev_redis_server_keeps_nothing_on_disk_and_cleans_up_when_stopped() -> None:
    server = RedisServer().start()
    try:
        client = redis.asyncio.Redis.from_url(server.url)
        try:
            assert (await client.config_get("save"))["save"] == ""
            assert (await client.config_get("appendonly"))["appendonly"] == "no"
            workdir = Path(str((await client.config_get("dir"))["dir"]))
        finally:
            await client.aclose()
    finally:
        server.stop()
    assert not workdir.exists()
    assert not answers_ping("127.0.0.1", server.port)
