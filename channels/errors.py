"""Vendor exceptions → Parley's ``ProviderError`` tree, in one place (the channel boundary).

Adapters wrap every SDK call in ``with provider_errors("twilio"):``; nothing from twilio,
python_http_client, aiohttp or urllib escapes a ``Channel.send``.

A transport failure is ``Retryable`` only when it proves the request never reached the provider (the
connection was never made: refused, DNS). Once a connection was open the request may have been read in
full before the connection broke, so a reset, a disconnect or a cut-off answer is ``ProviderTimeout``:
outcome unknown, never sent again blindly.
"""

from __future__ import annotations

import errno
import http.client
import json
import socket
import ssl
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from python_http_client.exceptions import HTTPError as SendGridHTTPError
from twilio.base.exceptions import TwilioException, TwilioRestException

from orchestrator.outbound import (
    Permanent,
    ProviderError,
    ProviderTimeout,
    Retryable,
    error_for_response,
    parse_retry_after,
)

_LOST = "connection lost after the request was sent"
# OS errors only the connect phase raises (a reset or a broken pipe may follow a fully read request).
_NEVER_CONNECTED = (ConnectionRefusedError, socket.gaierror, ssl.SSLCertVerificationError)
# What connect() reports when there is no route to the provider (a network outage: retried with backoff).
_UNREACHABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL})


def _never_connected(reason: object) -> bool:
    """True for a failure that proves no connection was made, so nothing reached the provider."""
    return isinstance(reason, (str, *_NEVER_CONNECTED)) or (
        isinstance(reason, OSError) and reason.errno in _UNREACHABLE
    )


def _sendgrid_reason(error: SendGridHTTPError) -> str:
    """The first error message (and its field) in a SendGrid error body; SendGrid has no error codes."""
    try:
        body = json.loads(error.body or b"{}")
        first = (body.get("errors") or [{}])[0]
        message, field_name = str(first.get("message") or error.reason), first.get("field")
    except (ValueError, AttributeError, TypeError):
        return str(error.reason)
    return f"{message} [{field_name}]" if field_name else message


@contextmanager
def provider_errors(provider: str) -> Iterator[None]:
    """Translate whatever the provider's SDK or transport raises into the ``ProviderError`` tree."""
    try:
        yield
    except ProviderError:
        raise
    except TwilioRestException as error:
        code = str(error.code) if error.code is not None else None
        raise error_for_response(provider, int(error.status), str(error.msg), code) from None
    except TwilioException as error:  # TwilioServiceException (RFC 9457 bodies) and client-side errors
        status = int(getattr(error, "status", 0) or 0)
        code = getattr(error, "code", None)
        if status:
            raise error_for_response(provider, status, str(error), str(code) if code else None) from None
        raise Permanent(provider, f"client error: {error}") from None
    except SendGridHTTPError as error:
        status = int(error.status_code)
        retry_after = parse_retry_after(error.headers.get("Retry-After")) if error.headers else None
        raise error_for_response(provider, status, _sendgrid_reason(error), str(status), retry_after) from None
    except TimeoutError as error:
        raise ProviderTimeout(provider, f"no answer in time ({type(error).__name__})") from None
    except aiohttp.ClientConnectorError as error:  # DNS, refused, TLS handshake: nothing was sent
        raise Retryable(provider, f"cannot connect: {error.os_error}") from None
    except aiohttp.InvalidURL as error:
        raise Retryable(provider, f"invalid URL, nothing sent: {error}") from None
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as error:
        raise ProviderTimeout(provider, f"{_LOST}: {type(error).__name__}: {error}") from None
    except aiohttp.ClientError as error:
        raise ProviderTimeout(provider, f"no usable answer to the request: {type(error).__name__}") from None
    except urllib.error.URLError as error:  # urllib wraps whatever fails while connecting *or* writing
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise ProviderTimeout(provider, "no answer in time") from None
        if _never_connected(error.reason):  # a str reason: refused before any socket
            raise Retryable(provider, f"cannot connect: {error.reason}") from None
        raise ProviderTimeout(provider, f"{_LOST}: {error.reason!r}") from None
    except _NEVER_CONNECTED as error:
        raise Retryable(provider, f"cannot connect: {error!r}") from None
    except (http.client.HTTPException, OSError) as error:  # RemoteDisconnected, resets while reading the answer
        raise ProviderTimeout(provider, f"{_LOST}: {error!r}") from None
