"""Vendor exceptions → Parley's ``ProviderError`` tree, in one place (the channel boundary).

Adapters wrap every SDK call in ``with provider_errors("twilio"):``; nothing from twilio,
python_http_client, aiohttp or urllib escapes a ``Channel.send``.
"""

from __future__ import annotations

import json
import socket
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
    except aiohttp.ClientConnectorError as error:
        raise Retryable(provider, f"cannot connect: {error.os_error}") from None
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as error:
        raise ProviderTimeout(provider, f"connection lost mid-request: {type(error).__name__}") from None
    except aiohttp.ClientError as error:
        raise Retryable(provider, f"transport error: {type(error).__name__}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise ProviderTimeout(provider, "no answer in time") from None
        raise Retryable(provider, f"cannot connect: {error.reason}") from None
    except ConnectionError as error:
        raise Retryable(provider, f"connection error: {type(error).__name__}") from None
