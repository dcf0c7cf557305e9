"""One async Twilio REST client per adapter: pooled aiohttp session, timeout, base URL override.

Shared by the SMS and voice adapters. The SDK's ``AsyncTwilioHttpClient`` is used as is, except that
its session is opened lazily (inside the running loop), a 429 is raised as ``Throttled`` with the
``Retry-After`` header (``TwilioRestException`` drops headers), and its chatty INFO request log goes
to a quiet logger.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from channels.errors import provider_errors
from orchestrator.outbound import ChannelLimits, SendResult, Throttled, parse_retry_after

RECONCILE_LOOKBACK = 20  # newest records of one destination read when reconciling an interrupted send
_sdk_logger = logging.getLogger("parley.channels.twilio.sdk")
_sdk_logger.setLevel(logging.WARNING)


class PooledTwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
    """``AsyncTwilioHttpClient`` with a lazily created, reused session and a per-request timeout."""

    def __init__(self, timeout_s: float, max_connections: int = 32) -> None:
        super().__init__(pool_connections=False, timeout=timeout_s, logger=_sdk_logger)
        self.timeout_s = timeout_s
        self.session: aiohttp.ClientSession | None = None
        self.max_connections = max_connections

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections), trust_env=False
            )
        if auth is not None:  # aiohttp 3.14 deprecates the BasicAuth object the SDK would build
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers = {**(headers or {}), "Authorization": f"Basic {token}"}
        response: Response = await super().request(
            method, url, params, data, headers, None, timeout or self.timeout_s, allow_redirects
        )
        if response.status_code == 429:
            code = _code_of(response.text)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise Throttled("twilio", "too many requests", code, retry_after=retry_after)
        return response


def _code_of(body: str) -> str | None:
    try:
        code: Any = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return None
    return str(code) if code is not None else None


def build_twilio_client(account_sid: str, auth_token: str, base_url: str, timeout_s: float) -> Client:
    """A Twilio client whose Calls/Messages requests go to ``base_url`` (empty: api.twilio.com)."""
    http_client = PooledTwilioHttpClient(timeout_s)
    client = Client(account_sid, auth_token, http_client=http_client)
    if base_url:
        client.api.base_url = base_url.rstrip("/")
        # TWILIO_EDGE / TWILIO_REGION in the environment would rewrite 127.0.0.1 into a twilio.com-style host.
        client.edge = None
        client.region = None
    return client


class TwilioChannelBase:
    """What the SMS and voice adapters share: the client, the sender, the callback base, the limits."""

    channel: str
    limits: ChannelLimits
    max_body: int

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        callback_base: str,
        api_base_url: str = "",
        timeout_s: float = 10.0,
        rate_per_s: float = 1.0,
    ) -> None:
        self._client = build_twilio_client(account_sid, auth_token, api_base_url, timeout_s)
        self._from = from_number
        self._callback_base = callback_base
        self.limits = ChannelLimits(rate_per_s, self.max_body, self.limits.features)

    @classmethod
    def from_settings(cls, settings: Any, url: str = "twilio://", **_: Any) -> Self:
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            from_number=settings.twilio_from_number,
            callback_base=settings.webhook_public_base_url,
            api_base_url=settings.twilio_api_base_url,
            timeout_s=settings.twilio_timeout_s,
        )

    async def close(self) -> None:
        await self._client.http_client.close()

    async def find_sent(self, to: str, since: datetime, until: datetime) -> Sequence[SendResult] | None:
        """Messages (or calls) to ``to`` created between ``since`` and ``until``, newest first."""
        with provider_errors("twilio"):
            records = await self._list(to)
        return [
            SendResult(provider_message_id=str(record.sid), status=str(record.status or ""))
            for record in records
            if record.date_created is not None and since <= record.date_created <= until
        ]

    async def _list(self, to: str) -> list[Any]:
        raise NotImplementedError
