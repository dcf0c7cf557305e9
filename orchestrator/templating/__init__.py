"""Parley's template system: a sandboxed Jinja2 renderer, required content, SMS segments, payment links, lint.

Pure: sources come in as ``{relative path: text}`` (the file-system adapter is ``parley.template_files``).
"""

from orchestrator.templating.catalog import SourceFile, TemplateCatalog, TemplateDefinition, parse_sources
from orchestrator.templating.errors import (
    CatalogError,
    ChannelNotAvailable,
    ForbiddenContent,
    MissingVariable,
    RenderError,
    RenderLimitExceeded,
    RequiredContentMissing,
    SandboxViolation,
    TemplateError,
    TemplateNotFound,
)
from orchestrator.templating.model import (
    AccountFacts,
    RenderContext,
    RenderedMessage,
    RenderLimits,
    SmsSegments,
    TemplateChannel,
)
from orchestrator.templating.payment_links import (
    BadSignature,
    ExpiredToken,
    MalformedToken,
    PaymentLinks,
    PaymentToken,
    PaymentTokenError,
    issue_payment_token,
    verify_payment_token,
)
from orchestrator.templating.renderer import Renderer, TemplateCompiler
from orchestrator.templating.segments import count_segments

__all__ = [
    "AccountFacts",
    "BadSignature",
    "CatalogError",
    "ChannelNotAvailable",
    "ExpiredToken",
    "ForbiddenContent",
    "MalformedToken",
    "MissingVariable",
    "PaymentLinks",
    "PaymentToken",
    "PaymentTokenError",
    "RenderContext",
    "RenderError",
    "RenderLimitExceeded",
    "RenderLimits",
    "RenderedMessage",
    "Renderer",
    "RequiredContentMissing",
    "SandboxViolation",
    "SmsSegments",
    "SourceFile",
    "TemplateCatalog",
    "TemplateChannel",
    "TemplateCompiler",
    "TemplateDefinition",
    "TemplateError",
    "TemplateNotFound",
    "count_segments",
    "issue_payment_token",
    "parse_sources",
    "verify_payment_token",
]
