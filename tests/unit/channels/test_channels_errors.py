"""Transport failures at the channel boundary (channels/errors.py): Retryable only when nothing was sent."""

from __future__ import annotations

import errno
import http.client
import os
import socket
import urllib.error

import aiohttp
import pytest

from channels.errors import provider_errors
from orchestrator.outbound import ProviderTimeout, Retryable


def _raised_through_the_boundary(error: BaseException) -> BaseException:
    with pytest.raises(Exception) as caught, provider_errors("sendgrid"):
        raise error
    return caught.value


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        socket.gaierror(-2, "Name or service not known"),
        urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
        urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
        urllib.error.URLError("unknown url type: ftp"),
    ],
    ids=repr,
)
def test_a_failure_before_the_connection_opened_is_retryable(error: BaseException) -> None:
    translated = _raised_through_the_boundary(error)
    assert isinstance(translated, Retryable) and not translated.outcome_unknown


@pytest.mark.parametrize(
    "error",
    [
        http.client.RemoteDisconnected("Remote end closed connection without response"),
        ConnectionResetError(104, "Connection reset by peer"),
        BrokenPipeError(32, "Broken pipe"),
        http.client.IncompleteRead(b"{", 10),
        urllib.error.URLError(ConnectionResetError(104, "Connection reset by peer")),
        urllib.error.URLError(BrokenPipeError(32, "Broken pipe")),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("Response payload is not completed"),
    ],
    ids=repr,
)
def test_a_failure_after_the_connection_opened_leaves_the_outcome_unknown(error: BaseException) -> None:
    translated = _raised_through_the_boundary(error)
    assert isinstance(translated, ProviderTimeout) and translated.outcome_unknown
    assert translated.reason.startswith("connection lost after the request was sent")


@pytest.mark.parametrize("error", [TimeoutError(), urllib.error.URLError(TimeoutError("timed out"))], ids=repr)
def test_no_answer_in_time_leaves_the_outcome_unknown(error: BaseException) -> None:
    assert isinstance(_raised_through_the_boundary(error), ProviderTimeout)


@pytest.mark.parametrize("code", [errno.ENETUNREACH, errno.EHOSTUNREACH])
def test_no_route_to_the_provider_is_retryable(code: int) -> None:
    with pytest.raises(Retryable) as raised, provider_errors("sendgrid"):
        raise urllib.error.URLError(OSError(code, os.strerror(code)))
    assert not raised.value.outcome_unknown
