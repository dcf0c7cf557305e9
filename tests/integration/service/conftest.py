"""The service's use cases on a real redis-server: one runtime per test, sandbox channels, one partition."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from parley.bootstrap import Runtime, build_runtime
from parley.settings import Settings


@pytest.fixture
async def runtime(redis_url: str, key_prefix: str) -> AsyncIterator[Runtime]:
    """The runtime the worker builds (quiet days off, so any weekday or holiday works as a test date)."""
    settings = Settings(state_url=redis_url, key_prefix=key_prefix.rstrip(":"), quiet_days=False)
    built = await build_runtime(settings, partition_of=lambda _d: 0)
    try:
        yield built
    finally:
        await built.aclose()
