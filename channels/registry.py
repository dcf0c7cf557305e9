"""Channel URL scheme → adapter class, imported only when used (like faust's transport drivers).

``PARLEY_SMS_CHANNEL_URL=twilio://`` picks Twilio for SMS, ``sandbox://`` the sandbox; switching
provider is changing a URL. The composition root calls :func:`channel_from_url`.
"""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import urlsplit

from orchestrator.ports import Channel

ADAPTERS: dict[tuple[str, str], str] = {
    ("sandbox", "sms"): "channels.sandbox:SandboxChannel",
    ("sandbox", "voice"): "channels.sandbox:SandboxChannel",
    ("sandbox", "email"): "channels.sandbox:SandboxChannel",
    ("twilio", "sms"): "channels.twilio_sms:TwilioSmsChannel",
    ("twilio", "voice"): "channels.twilio_voice:TwilioVoiceChannel",
    ("sendgrid", "email"): "channels.sendgrid_email:SendGridEmailChannel",
}


class UnknownChannelURL(ValueError):
    """Raised when no adapter serves this scheme for this channel (e.g. ``sendgrid://`` for sms)."""


def adapter_class(channel: str, url: str) -> type[Any]:
    """The adapter class for ``channel`` and ``url``'s scheme, imported on first use."""
    scheme = urlsplit(url).scheme
    target = ADAPTERS.get((scheme, channel))
    if target is None:
        served = sorted(s for s, c in ADAPTERS if c == channel)
        raise UnknownChannelURL(f"no {channel} adapter for {scheme or url!r}:// (known: {', '.join(served)})")
    module_name, attribute = target.split(":")
    adapter: type[Any] = getattr(importlib.import_module(module_name), attribute)
    return adapter


def channel_from_url(channel: str, url: str, settings: Any, **kwargs: Any) -> Channel:
    """Build the adapter for ``channel`` from settings; ``kwargs`` go to the sandbox (``on_event``, ``clock``…)."""
    adapter = adapter_class(channel, url)
    if urlsplit(url).scheme == "sandbox":
        built: Channel = adapter.from_settings(settings, url, channel=channel, **kwargs)
    else:
        built = adapter.from_settings(settings, url)
    return built
