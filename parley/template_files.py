"""File-system adapter of the template system: reads a template folder into the in-memory sources the core uses.

The core (``orchestrator.templating``) takes ``{relative path: text}``; this module is the only place
that knows templates live in folders, including the starter pack bundled in the ``templates`` package.
"""

from __future__ import annotations

from datetime import timedelta
from importlib.resources.abc import Traversable
from pathlib import Path

import templates
from orchestrator.service.rendering import VOICEMAIL_TEMPLATE
from orchestrator.templating import PaymentLinks, Renderer, RenderLimits, TemplateCatalog
from orchestrator.templating.lint import LintOptions
from parley.settings import Settings

_SKIPPED = {"__pycache__", "__init__.py"}


def bundled_root() -> Traversable:
    """The starter pack shipped with Parley."""
    return templates.root()


def templates_root(settings: Settings) -> Traversable:
    """The folder the settings point at, else the bundled starter pack."""
    return settings.templates_path if settings.templates_path is not None else bundled_root()


def read_template_sources(root: Traversable | Path) -> dict[str, str]:
    """Every text file under ``root`` as ``{"template_id/en/sms.txt": text}`` (POSIX separators)."""
    sources: dict[str, str] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name in _SKIPPED or entry.name.startswith("."):
                continue
            relative = f"{prefix}{entry.name}"
            if entry.is_dir():
                walk(entry, relative + "/")
            elif "/" in relative:  # files at the top level (README, __init__.py) are not templates
                sources[relative] = entry.read_text(encoding="utf-8")

    if not root.is_dir():
        raise NotADirectoryError(f"template folder not found: {root}")
    walk(root, "")
    return sources


def load_catalog(root: Traversable | Path) -> TemplateCatalog:
    """The catalog of the folder; raises ``CatalogError`` when a template is broken (run lint to see why)."""
    return TemplateCatalog.from_sources(read_template_sources(root))


def render_limits(settings: Settings) -> RenderLimits:
    """Render bounds from the settings."""
    return RenderLimits(
        timeout_ms=settings.render_timeout_ms,
        max_bytes=settings.render_max_bytes,
        sms_max_segments=settings.sms_max_segments,
    )


def payment_links(settings: Settings) -> PaymentLinks:
    """The payment-link builder from the settings (secret, portal URL, lifetime)."""
    return PaymentLinks(
        secret=settings.payment_link_secret.get_secret_value().encode(),
        base_url=settings.payment_link_base_url,
        ttl=timedelta(days=settings.payment_link_ttl_days),
    )


def build_renderer(settings: Settings) -> Renderer:
    """The renderer the composition root wires: templates from the configured folder, limits and links from settings."""
    return Renderer(load_catalog(templates_root(settings)), payment_links(settings), render_limits(settings))


def lint_options(settings: Settings) -> LintOptions:
    """Lint thresholds and the identity used in sample renders, from the settings."""
    return LintOptions(
        sms_max_segments=settings.sms_max_segments,
        readability_max_grade=settings.readability_max_grade,
        business_name=settings.business_name,
        callback_number=settings.callback_number,
        agent_name=settings.agent_name,
        limits=render_limits(settings),
        cadence_channels=cadence_channels(settings),
    )


def cadence_channels(settings: Settings) -> set[tuple[str, str]]:
    """(template, channel) pairs the configured cadences send by a fixed channel — and the voicemail a
    call may leave. A ``best`` step goes only on channels its template declares, which lint checks anyway."""
    from parley.bootstrap import cadences_from_settings

    pairs: set[tuple[str, str]] = set()
    for cadence in cadences_from_settings(settings).events.values():
        for step in cadence.steps:
            if step.channel != "best":
                pairs.add((step.template, step.channel))
            if step.channel == "voice":
                pairs.add((VOICEMAIL_TEMPLATE, "voicemail"))
    return pairs
