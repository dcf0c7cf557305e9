"""Why a template could not be loaded or rendered: one exception tree, every error with its reason."""

from __future__ import annotations


class TemplateError(Exception):
    """Base of every template problem; ``reason`` is a short machine-readable code."""

    reason = "template_error"

    def __init__(
        self, message: str, *, template_id: str | None = None, path: str | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.template_id = template_id
        self.path = path
        self.line = line


class CatalogError(TemplateError):
    """Raised when template sources cannot form a usable catalog (bad meta.yaml, syntax errors…)."""

    reason = "catalog_invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class TemplateNotFound(TemplateError):
    """Raised when no template has the requested id."""

    reason = "template_not_found"


class ChannelNotAvailable(TemplateError):
    """Raised when a template does not allow the channel, or has no file for it in any fallback locale."""

    reason = "channel_not_available"


class RenderError(TemplateError):
    """Raised when a render fails; the message says why in words an editor understands."""

    reason = "render_failed"


class MissingVariable(RenderError):
    """Raised when a template uses a variable the message does not have (StrictUndefined)."""

    reason = "missing_variable"


class SandboxViolation(RenderError):
    """Raised when a template tries something the sandbox forbids (private attributes, unsafe calls)."""

    reason = "sandbox_violation"


class RenderLimitExceeded(RenderError):
    """Raised when a render runs too long, loops or recurses too much, or produces too much output."""

    reason = "render_limit"

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class RequiredContentMissing(RenderError):
    """Raised when a rendered message lacks its opt-out instruction or debt-collector disclosure."""

    reason = "required_content_missing"


class ForbiddenContent(RenderError):
    """Raised when a content-limited message (voicemail, HELP, opt-out confirmation) mentions the debt."""

    reason = "forbidden_content"
