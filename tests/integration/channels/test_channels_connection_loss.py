"""A connection that breaks after the provider read the request: the send's outcome is unknown.

A real server on 127.0.0.1 reads the whole request, then resets the connection (SO_LINGER 0 + close)
or closes it unanswered, so the provider may have accepted the send. Driven through the real Twilio
and SendGrid SDKs exactly as the adapters call them, the error must be ``ProviderTimeout`` (never
blindly retried); a port nothing listens on proves nothing was sent, so that one stays ``Retryable``.
"""

from __future__ import annotations

import asyncio
import re
import socket
import struct
from collections.abc import AsyncIterator, Iterator

import pytest

from channels.sendgrid_email import SendGridEmailChannel
from channels.twilio_sms import TwilioSmsChannel
from channels.twilio_voice import TwilioVoiceChannel
from orchestrator.outbound import OutboundMessage, ProviderTimeout, Retryable
from orchestrator.ports import Channel

TIMEOUT_S = 5.0  # far above the time a reset takes: the error must not be a timeout
ADAPTERS = ["twilio-sms", "twilio-voice", "sendgrid-email"]
_LINGER_ZERO = struct.pack("ii", 1, 0)


class ResetAfterRequest:
    """Reads each request in full (headers and Content-Length body), then resets the connection —
    or, with ``reset=False``, closes it without an answer (the client sees the server disconnect)."""

    def __init__(self, reset: bool = True) -> None:
        self.reset = reset
        self.requests: list[bytes] = []
        self._server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> ResetAfterRequest:
        self._server = await asyncio.start_server(self._reset_after_reading, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _reset_after_reading(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        body = await reader.readexactly(int(length.group(1))) if length else b""
        self.requests.append(head + body)
        if self.reset:
            writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
        writer.close()  # with a zero linger the kernel sends RST instead of FIN


@pytest.fixture(params=["reset", "close"])
async def resetting_server(request: pytest.FixtureRequest) -> AsyncIterator[ResetAfterRequest]:
    async with ResetAfterRequest(reset=request.param == "reset") as server:
        yield server


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """A port bound but never listening: connecting is refused, with no race for the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def _adapter(kind: str, base_url: str) -> Channel:
    """The adapter as the contract tests build it against the emulators, pointed at ``base_url``."""
    if kind == "sendgrid-email":
        return SendGridEmailChannel(
            "SG.key.secret", "billing@example.com", "https://example.com/u", base_url, TIMEOUT_S
        )
    adapter = TwilioSmsChannel if kind == "twilio-sms" else TwilioVoiceChannel
    return adapter("AC" + "1" * 32, "token", "+18005550100", "http://127.0.0.1:9/unused", base_url, TIMEOUT_S)


def _message(channel: Channel) -> OutboundMessage:
    return OutboundMessage(
        send_id="send-reset",
        channel=channel.channel,  # type: ignore[arg-type]
        to="jane.doe@example.test" if channel.channel == "email" else "+15005550006",
        body="Hi Jane, a payment of $50 is due.",
        debtor_id="debtor-1",
        subject="Your account",
        voicemail="This is Alex from Parley Services.",
    )


@pytest.mark.parametrize("kind", ADAPTERS)
async def test_a_connection_lost_after_the_request_was_read_leaves_the_outcome_unknown(
    kind: str, resetting_server: ResetAfterRequest
) -> None:
    channel = _adapter(kind, resetting_server.base_url)
    try:
        with pytest.raises(ProviderTimeout) as lost:
            await channel.send(_message(channel))
    finally:
        await channel.close()
    assert len(resetting_server.requests) == 1 and b"send-reset" in resetting_server.requests[0]
    assert lost.value.outcome_unknown
    assert "connection lost after the request was sent" in lost.value.reason


@pytest.mark.parametrize("kind", ADAPTERS)
async def test_a_refused_connection_is_retryable_because_nothing_was_sent(kind: str, closed_port_url: str) -> None:
    channel = _adapter(kind, closed_port_url)
    try:
        with pytest.raises(Retryable) as refused:
            await channel.send(_message(channel))
    finally:
        await channel.close()
    assert refused.value.retryable and not refused.value.outcome_unknown
    assert "cannot connect" in refused.value.reason
