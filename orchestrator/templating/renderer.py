"""The renderer the service layer calls: a template, a channel, a locale and the facts → a finished message.

Templates compile once per version and are cached; each render runs under a time, loop, depth and
size budget; required content is placed (footer) or verified (inline) after the editor's text renders.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from markupsafe import escape

from orchestrator.templating.catalog import ChannelVariant, SourceFile, TemplateCatalog, TemplateDefinition
from orchestrator.templating.context_variables import template_variables
from orchestrator.templating.errors import (
    ChannelNotAvailable,
    ForbiddenContent,
    MissingVariable,
    RenderError,
    RenderLimitExceeded,
    RequiredContentMissing,
    SandboxViolation,
    TemplateError,
)
from orchestrator.templating.filters import EDITOR_FILTERS
from orchestrator.templating.model import (
    CHANNELS,
    IMPLICIT_VARIABLES,
    RenderContext,
    RenderedMessage,
    RenderLimits,
)
from orchestrator.templating.payment_links import PaymentLinks
from orchestrator.templating.required_content import RequiredContent, forbidden_mentions, required_content
from orchestrator.templating.sandbox import CURRENT, ParleySandbox, RenderState
from orchestrator.templating.segments import count_segments, fold_to_gsm7


class TemplateCompiler:
    """Compiles template files in the sandbox (HTML autoescaped, text not) and caches them by content."""

    def __init__(self) -> None:
        self._text = ParleySandbox(autoescape=False)
        self._html = ParleySandbox(autoescape=True)
        for environment in (self._text, self._html):
            environment.filters.update(EDITOR_FILTERS)
        self._cache: dict[tuple[str, str], Template] = {}

    def environment(self, path: str) -> ParleySandbox:
        """The environment for a file: autoescaping for ``.html`` only."""
        return self._html if path.endswith(".html") else self._text

    def compile(self, source: SourceFile) -> Template:
        """The compiled template of ``source``; raises ``TemplateSyntaxError`` with the line."""
        key = (source.path, source.text)
        compiled = self._cache.get(key)
        if compiled is None:
            environment = self.environment(source.path)
            tree = environment.guard(environment.parse(source.text, name=source.path, filename=source.path))
            compiled = environment.from_string(tree)
            self._cache[key] = compiled
        return compiled


class Renderer:
    """Renders messages from a catalog. Safe to share: it holds only caches of compiled templates."""

    def __init__(
        self,
        catalog: TemplateCatalog,
        payment_links: PaymentLinks | None,
        limits: RenderLimits | None = None,
        compiler: TemplateCompiler | None = None,
    ) -> None:
        self.catalog = catalog
        self.payment_links = payment_links
        self.limits = limits or RenderLimits()
        self.compiler = compiler or TemplateCompiler()

    def channels_of(self, template_id: str) -> tuple[str, ...]:
        """The channels ``template_id`` has variants for (empty for an unknown template)."""
        try:
            return tuple(self.catalog.get(template_id).meta.channels)
        except TemplateError:
            return ()

    def render(self, template_id: str, channel: str, locale: str, context: RenderContext) -> RenderedMessage:
        """The finished message; a :class:`TemplateError` subclass says why when it cannot be made."""
        template = self.catalog.get(template_id)
        if channel not in CHANNELS:
            raise ChannelNotAvailable(f"unknown channel {channel!r}", template_id=template_id)
        variant = template.variant(channel, locale)
        return self.render_variant(template, variant, context)

    def render_variant(
        self, template: TemplateDefinition, variant: ChannelVariant, context: RenderContext, *, with_footer: bool = True
    ) -> RenderedMessage:
        """Render a resolved variant (lint renders without the footer to judge the editor's own text)."""
        required = required_content(
            template.meta.purpose,
            variant.channel,
            variant.locale,
            first_contact=context.first_contact,
            opt_out_text=context.opt_out_text,
        )
        variables = template_variables(context, template.meta.variables | IMPLICIT_VARIABLES, required)
        account = context.account()
        links = self.payment_links
        state = RenderState(
            limits=self.limits,
            locale=variant.locale,
            currency=account.currency if account else "USD",
            now=context.now,
            payment_link=(lambda account_id: links.link(context.debtor_id, account_id, context.now)) if links else None,
        )
        parts = {name: self._run(source, variables, state, template.id) for name, source in variant.parts.items()}
        finish = _finish if with_footer else _no_finish
        message = finish(template, variant, parts, required, self.limits)
        size = sum(len(part.encode()) for part in (message.body, message.subject, message.html) if part)
        if size > self.limits.max_bytes:
            raise RenderLimitExceeded("size", f"the message is {size} bytes; the limit is {self.limits.max_bytes}")
        return message

    def _run(self, source: SourceFile, variables: dict[str, Any], state: RenderState, template_id: str) -> str:
        """The rendered text of ``source``; any failure is a :class:`RenderError` naming the file and line."""
        token = CURRENT.set(state)
        compiled: Template | None = None
        try:
            compiled = self.compiler.compile(source)
            chunks: list[str] = []
            size = 0
            for chunk in compiled.generate(variables):
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise RenderLimitExceeded("size", f"output grew past {self.limits.max_bytes} characters")
                chunks.append(chunk)
            state.check_time()
            return "".join(chunks)
        except TemplateError as error:
            error.template_id, error.path = template_id, source.path
            if error.line is None:
                error.line = _template_line(error.__traceback__, compiled)
            raise
        except TemplateSyntaxError as error:
            raise _located(
                RenderError(f"syntax error line {error.lineno}: {error.message}"), template_id, source, error.lineno
            ) from None
        except Exception as error:  # noqa: BLE001 — whatever a template does wrong, the send is suppressed, not retried
            line = _template_line(error.__traceback__, compiled)
            raise _located(_render_error(error, line), template_id, source, line) from None
        finally:
            CURRENT.reset(token)


def _render_error(error: Exception, line: int | None) -> TemplateError:
    """The Parley error for an exception raised while rendering (Jinja's, Python's or a filter's)."""
    where = f" (line {line})" if line is not None else ""
    if isinstance(error, SecurityError):
        return SandboxViolation(f"not allowed in templates{where}: {error}")
    if isinstance(error, UndefinedError):
        return MissingVariable(f"missing value{where}: {error}")
    if isinstance(error, OverflowError):
        return RenderLimitExceeded("loop", f"loop too large{where}: {error}")
    if isinstance(error, RecursionError):
        return RenderLimitExceeded("recursion", f"the template calls itself without end{where}")
    if isinstance(error, MemoryError):
        return RenderLimitExceeded("size", f"the template ran out of memory{where} (MemoryError)")
    detail = str(error) or "(no details)"
    return RenderError(f"the template failed{where}: {type(error).__name__}: {detail}")


def _template_line(traceback: TracebackType | None, compiled: Template | None) -> int | None:
    """The template line the error was raised at: Jinja rewrites its frames to carry template lines."""
    if compiled is None:
        return None
    filename = compiled.filename or "<template>"
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _located(error: TemplateError, template_id: str, source: SourceFile, line: int | None = None) -> TemplateError:
    error.template_id, error.path, error.line = template_id, source.path, line
    return error


def _no_finish(
    template: TemplateDefinition,
    variant: ChannelVariant,
    parts: dict[str, str],
    required: RequiredContent,
    limits: RenderLimits,
) -> RenderedMessage:
    return RenderedMessage(
        template_id=template.id,
        template_version=variant.version,
        channel=variant.channel,
        locale=variant.locale,
        body=parts["body"].strip(),
        subject=" ".join(parts["subject"].split()) if "subject" in parts else None,
        html=parts.get("html"),
        voicemail=parts["voicemail"].strip() if "voicemail" in parts else None,
    )


def _finish(
    template: TemplateDefinition,
    variant: ChannelVariant,
    parts: dict[str, str],
    required: RequiredContent,
    limits: RenderLimits,
) -> RenderedMessage:
    """Place or verify required content, refuse debt content where it is forbidden, count SMS segments."""
    draft = _no_finish(template, variant, parts, required, limits)
    where: dict[str, Any] = {"template_id": template.id, "path": variant.parts["body"].path}
    if required.content_limited:
        found = forbidden_mentions(draft.body)
        if found:
            raise ForbiddenContent(f"a {template.meta.purpose} message may not mention: {', '.join(found)}", **where)
    if draft.voicemail is not None:
        found = forbidden_mentions(draft.voicemail)
        if found:
            raise ForbiddenContent(f"a voicemail may not mention: {', '.join(found)}", **where)
    inline = template.meta.required_content == "inline" or variant.channel == "voice"
    items = [text for text in (required.disclosure, required.opt_out) if text]
    body, html = draft.body, draft.html
    missing = [text for text in items if text not in body]
    if missing and inline:
        raise RequiredContentMissing(f"the message lacks: {' / '.join(missing)}", **where)
    if missing:
        body = body + ("\n\n" if variant.channel == "email" else "\n") + " ".join(missing)
    if html is not None:
        missing_html = [text for text in items if str(escape(text)) not in html]
        if missing_html and inline:
            raise RequiredContentMissing(f"the HTML email lacks: {' / '.join(missing_html)}", **where)
        if missing_html:
            html = _insert_html_footer(html, missing_html)
    sms = None
    if variant.channel == "sms":
        if limits.fold_sms_to_gsm7:
            body = fold_to_gsm7(body)
        sms = count_segments(body)
        if limits.sms_max_segments is not None and sms.segments > limits.sms_max_segments:
            raise RenderLimitExceeded(
                "sms_segments",
                f"the SMS needs {sms.segments} SMS segments ({sms.encoding}, {sms.units} units); "
                f"the limit is {limits.sms_max_segments}",
            )
    return RenderedMessage(
        template_id=draft.template_id,
        template_version=draft.template_version,
        channel=draft.channel,
        locale=draft.locale,
        body=body,
        subject=draft.subject,
        html=html,
        voicemail=draft.voicemail,
        sms=sms,
    )


def _insert_html_footer(html: str, texts: list[str]) -> str:
    footer = "".join(f'<p style="font-size:12px;color:#555">{escape(text)}</p>' for text in texts)
    position = html.lower().rfind("</body>")
    return html + footer if position < 0 else html[:position] + footer + html[position:]
