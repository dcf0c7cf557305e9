"""The worker's web server logs each request by its route pattern: the inbound webhook's secret path
segment and the debtor ids in callback queries never reach the access log."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from aiohttp import web

from channels.webhooks import paths
from consumers.web import web_runner

SECRET = "inbound-secret-4f9c2a"
DEBTOR_ID = "debtor-8812"


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """What aiohttp's access logger writes, through a real stream handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("aiohttp.access")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    """The worker's runner serving the inbound-mail route, on a free local port."""

    async def accepted(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(paths.SENDGRID_INBOUND, accepted)
    runner = web_runner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def test_an_inbound_webhook_request_is_logged_by_route_without_its_secret_or_query(
    base_url: str, access_log: io.StringIO
) -> None:
    url = f"{base_url}/webhooks/sendgrid/inbound/{SECRET}?{paths.DEBTOR_ID_ARG}={DEBTOR_ID}"
    async with aiohttp.ClientSession() as session, session.post(url, data=b"mail") as response:
        assert response.status == 200
    line = await logged(access_log)
    assert "POST /webhooks/sendgrid/inbound/{secret} 200" in line
    assert SECRET not in line and DEBTOR_ID not in line


async def test_a_request_no_route_matches_is_logged_without_its_path(base_url: str, access_log: io.StringIO) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/webhooks/{SECRET}/x") as response:
        assert response.status == 404
    line = await logged(access_log)
    assert "GET (no route) 404" in line and SECRET not in line


async def logged(access_log: io.StringIO) -> str:
    """The access log once the server has written its line (it does so after sending the response)."""
    for _ in range(100):
        if access_log.getvalue():
            break
        await asyncio.sleep(0.01)
    return access_log.getvalue()
