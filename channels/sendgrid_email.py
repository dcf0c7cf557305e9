"""SendGrid email through v3 mail/send, built with the SDK's Mail helpers and sent by its client.

The SDK's client is synchronous (urllib), so each send runs on a small dedicated thread pool; the
async service path never blocks. ``custom_args`` carry Parley's send id, which SendGrid copies
into every Event Webhook event, so delivery, bounce, open and click events map back to the send.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Category,
    ClickTracking,
    CustomArg,
    From,
    Header,
    Mail,
    OpenTracking,
    To,
    TrackingSettings,
)

from channels.errors import provider_errors
from channels.logsafe import mask_email
from channels.webhooks.paths import DEBTOR_ID_ARG, SEND_ID_ARG
from orchestrator.outbound import ChannelLimits, OutboundMessage, Permanent, SendResult

log = logging.getLogger("parley.channels.sendgrid_email")

EMAIL_MAX_BODY = 1_000_000


class ProxyMisconfigured(RuntimeError):
    """Raised when a proxy variable would send loopback API calls to the proxy (set NO_PROXY)."""


def _check_no_proxy_for(host_url: str) -> None:
    """urllib honours HTTP(S)_PROXY; for a loopback emulator that silently routes to the proxy."""
    hostname = urlsplit(host_url).hostname or ""
    try:
        loopback = hostname == "localhost" or ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        loopback = False
    scheme = urlsplit(host_url).scheme
    if loopback and urllib.request.getproxies().get(scheme) and not urllib.request.proxy_bypass(hostname):
        raise ProxyMisconfigured(f"a proxy is set for {scheme}; add {hostname} to NO_PROXY to reach {host_url}")


class SendGridEmailChannel:
    """``Channel`` for email via SendGrid."""

    channel = "email"
    limits = ChannelLimits(
        rate_per_s=100.0, max_body=EMAIL_MAX_BODY, features=frozenset({"html", "open_tracking", "click_tracking"})
    )

    def __init__(
        self,
        api_key: str,
        from_email: str,
        unsubscribe_url: str,
        api_host: str = "https://api.sendgrid.com",
        timeout_s: float = 10.0,
        open_tracking: bool = False,
        click_tracking: bool = False,
        max_concurrency: int = 8,
    ) -> None:
        host = api_host.rstrip("/")  # a trailing slash would make the SDK request //v3/mail/send
        _check_no_proxy_for(host)
        self._client = SendGridAPIClient(api_key=api_key, host=host)
        self._client.client.timeout = timeout_s
        self._from = from_email
        self._unsubscribe_url = unsubscribe_url
        self._open_tracking = open_tracking
        self._click_tracking = click_tracking
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="sendgrid")

    @classmethod
    def from_settings(cls, settings: Any, url: str = "sendgrid://", **_: Any) -> SendGridEmailChannel:
        return cls(
            api_key=settings.sendgrid_api_key.get_secret_value(),
            from_email=settings.sendgrid_from_email,
            unsubscribe_url=settings.unsubscribe_url,
            api_host=settings.sendgrid_api_host,
            timeout_s=settings.sendgrid_timeout_s,
            open_tracking=settings.sendgrid_open_tracking,
            click_tracking=settings.sendgrid_click_tracking,
        )

    def build_mail(self, message: OutboundMessage) -> Mail:
        """The mail/send body for ``message`` (pure: no request is made)."""
        mail = Mail(
            from_email=From(self._from),
            to_emails=To(message.to),
            subject=message.subject,
            plain_text_content=message.body,
            html_content=message.html or None,
        )
        mail.custom_arg = [CustomArg(SEND_ID_ARG, message.send_id), CustomArg(DEBTOR_ID_ARG, message.debtor_id)]
        separator = "&" if "?" in self._unsubscribe_url else "?"
        unsubscribe = f"{self._unsubscribe_url}{separator}{urlencode({'s': message.send_id})}"
        mail.header = [
            Header("List-Unsubscribe", f"<{unsubscribe}>"),
            Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
        if message.template_id:
            mail.category = Category(message.template_id[:255])
        mail.tracking_settings = TrackingSettings(
            click_tracking=ClickTracking(self._click_tracking, self._click_tracking),
            open_tracking=OpenTracking(self._open_tracking),
        )
        return mail

    async def send(self, message: OutboundMessage) -> SendResult:
        if len(message.body) + len(message.html) > EMAIL_MAX_BODY:
            raise Permanent("sendgrid", "email body too large", "413")
        mail = self.build_mail(message)
        loop = asyncio.get_running_loop()
        with provider_errors("sendgrid"):
            response = await loop.run_in_executor(self._executor, self._client.send, mail)
        message_id = response.headers.get("X-Message-Id") if response.headers else None
        log.info("email %s accepted for %s as %s", message.send_id, mask_email(message.to), message_id)
        return SendResult(provider_message_id=str(message_id or ""), status="accepted")

    async def find_sent(self, to: str, since: datetime, until: datetime) -> Sequence[SendResult] | None:
        """SendGrid cannot tell: looking a message up needs the paid Email Activity API."""
        return None

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
