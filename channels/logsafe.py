"""Masking of phone numbers, email addresses, secrets and URL passwords in log lines.

Parley's own code logs masked values (``mask_phone``/``mask_email``); the :class:`RedactingFilter`
is the safety net for everything else that logs (the Twilio and SendGrid SDKs log URLs, payloads
and headers at INFO/DEBUG; aiohttp's access log prints request paths that may hold a secret path
segment). Install it once on the process's handlers with :func:`install_log_redaction`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_PHONE = re.compile(r"(?:\+|%2B)\d{7,15}|(?<![\w.%])\d{10,15}(?![\w.])", re.IGNORECASE)
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*(@|%40)([\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9+/=._-]+")
_SENDGRID_KEY = re.compile(r"\bSG\.[\w-]{6,}\.[\w-]{6,}")
# ``scheme://user:password@``: the password runs to the last ``@`` before the path (an unescaped ``@``
# in it still ends masked), never across whitespace, quotes or a path, query or fragment.
_URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s:/?#@'\"<>]*):[^\s/?#'\"<>]*@", re.IGNORECASE)
MASK = "***"


def mask_phone(number: str) -> str:
    """``+15005550006`` → ``+*******0006``: enough to tell numbers apart in a log, not to dial one."""
    digits = number[-4:] if len(number) > 4 else ""
    return ("+" if number.startswith("+") else "") + "*" * max(len(number) - 5, 3) + digits


def mask_email(address: str) -> str:
    """``jane.doe@example.com`` → ``j***@example.com``."""
    local, sep, domain = address.partition("@")
    if not sep:
        return MASK
    return f"{local[:1]}{MASK}@{domain}"


def mask_destination(destination: str) -> str:
    """Mask a phone number or an email address, whichever it is."""
    return mask_email(destination) if "@" in destination else mask_phone(destination)


def mask_id(identifier: str) -> str:
    """``debtor-481516`` → ``de***16``: an upstream id may carry personal data (an account number, a name);
    enough is kept to tell two ids apart in a log line, not to read one. Six characters or fewer: ``***``."""
    if len(identifier) <= 6:
        return MASK
    return f"{identifier[:2]}{MASK}{identifier[-2:]}"


def mask_url_password(text: str) -> str:
    """``redis://:hunter2@host:6379/0`` → ``redis://:***@host:6379/0``: the user name and host stay readable."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MASK}@", text)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret, URL password, bearer/basic credential, email address and phone number masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    if "://" in text:  # most lines hold no URL: skip the pattern
        text = mask_url_password(text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _SENDGRID_KEY.sub(MASK, text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}{m.group(3)}", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0).replace("%2B", "+").replace("%2b", "+")), text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with :func:`redact` before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_log_redaction(
    secrets: Iterable[str] = (), handlers: Iterable[logging.Handler] | None = None
) -> RedactingFilter:
    """Attach one :class:`RedactingFilter` to ``handlers`` (default: the root logger's handlers)."""
    redacting = RedactingFilter(secrets)
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        handler.addFilter(redacting)
    return redacting
