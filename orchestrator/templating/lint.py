"""Template lint: everything that would make a template fail, unsafe or non-compliant, found before it ships.

Works on in-memory sources (``{relative path: text}``) so tests and the CLI share it. Each finding names
the file and, where it can, the line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import pyphen
import textstat
from jinja2 import TemplateSyntaxError, meta, nodes
from pydantic import ValidationError

from orchestrator.templating.catalog import SourceFile, TemplateDefinition, fallback_chain, parse_sources
from orchestrator.templating.errors import ForbiddenContent, RequiredContentMissing, TemplateError
from orchestrator.templating.model import (
    CHANNEL_FILES,
    IMPLICIT_VARIABLES,
    KNOWN_FILES,
    RenderContext,
    RenderLimits,
    TemplateChannel,
)
from orchestrator.templating.payment_links import PaymentLinks
from orchestrator.templating.renderer import Renderer, TemplateCompiler
from orchestrator.templating.required_content import (
    CONTENT_LIMITED_PURPOSES,
    CONTENT_LIMITED_VARIABLES,
    business_name_problem,
    language_of,
)
from orchestrator.templating.samples import sample_context

Severity = Literal["error", "warning"]
DEFAULT_LOCALES = ("en", "es")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DEBT_FILTERS = frozenset({"money", "payment_link"})
_FILE_CHANNEL: dict[str, TemplateChannel] = {
    name: channel for channel, files in CHANNEL_FILES.items() for name in files.values() if channel != "voice"
} | {"voice.txt": "voice"}


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One problem: a code tools can match on, where it is, and what to do about it."""

    code: str
    severity: Severity
    path: str
    message: str
    line: int | None = None
    template_id: str | None = None


@dataclass(frozen=True, slots=True)
class LintOptions:
    """What lint checks against. ``required`` lists the (template, channel, locale) that must exist;
    None means: every template, in every allowed channel, in English and Spanish. ``cadence_channels``
    adds the (template, channel) pairs the cadences send by, in English and Spanish."""

    sms_max_segments: int = 3
    readability_max_grade: float = 8.0
    required: Collection[tuple[str, str, str]] | None = None
    cadence_channels: Collection[tuple[str, str]] = ()
    business_name: str = "Parley Services"
    callback_number: str = "+18005550100"
    agent_name: str = "Alex Morgan"
    limits: RenderLimits = field(default_factory=RenderLimits)


@dataclass(frozen=True, slots=True)
class LintReport:
    """Every finding, and how many templates were checked."""

    findings: tuple[LintFinding, ...]
    templates_checked: int

    @property
    def errors(self) -> list[LintFinding]:
        return [finding for finding in self.findings if finding.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def lint_sources(sources: Mapping[str, str], options: LintOptions | None = None) -> LintReport:
    """Lint every template in ``sources``."""
    options = options or LintOptions()
    catalog, problems = parse_sources(sources)
    findings = [
        LintFinding(
            problem.code,
            "warning" if problem.code == "unknown_file" else "error",
            problem.path,
            problem.message,
            problem.line,
            problem.path.split("/")[0],
        )
        for problem in problems
    ]
    compiler = TemplateCompiler()
    links = PaymentLinks(secret=b"lint-only", base_url="https://pay.example.com/p/")
    # lint reports a long SMS itself (sms_too_long, options.sms_max_segments): its renderer does not refuse one
    renderer = Renderer(catalog, links, replace(options.limits, sms_max_segments=None), compiler)
    name_problem = business_name_problem(options.business_name)
    for template in catalog:
        template_findings = list(_check_files(template, compiler))
        if not any(finding.severity == "error" for finding in template_findings):
            template_findings.extend(_check_renders(template, renderer, options, name_problem))
        findings.extend(template_findings)
    findings.extend(_check_required_locales(catalog.ids(), {t.id: t for t in catalog}, options))
    return LintReport(tuple(findings), len(catalog))


def _check_files(template: TemplateDefinition, compiler: TemplateCompiler) -> Iterator[LintFinding]:
    for files in template.files.values():
        for name, source in sorted(files.items()):
            yield from _check_file(template, name, source, compiler)


def _check_file(
    template: TemplateDefinition, name: str, source: SourceFile, compiler: TemplateCompiler
) -> Iterator[LintFinding]:
    def finding(code: str, message: str, line: int | None = None, severity: Severity = "error") -> LintFinding:
        return LintFinding(code, severity, source.path, message, line, template.id)

    if name not in KNOWN_FILES:
        expected = ", ".join(sorted(KNOWN_FILES))
        yield finding("unknown_file", f"unknown file name (expected one of {expected})", severity="warning")
        return
    channel = _FILE_CHANNEL[name]
    allowed = template.meta.channels
    if channel not in allowed and not (channel == "voicemail" and "voice" in allowed):
        yield finding("channel_not_allowed", f"{name} is for {channel}; meta.yaml does not allow it", None, "warning")
    environment = compiler.environment(source.path)
    try:
        tree = environment.parse(source.text, name=source.path)
    except TemplateSyntaxError as error:
        yield finding("syntax", f"syntax error: {error.message}", error.lineno)
        return
    unknown = list(_unknown_filters_and_tests(tree, environment.filters, environment.tests))
    for code, message, line in unknown:
        yield finding(code, message, line)
    if unknown:
        return
    try:
        compiler.compile(source)
    except TemplateSyntaxError as error:
        yield finding("syntax", f"syntax error: {error.message}", error.lineno)
        return
    used = meta.find_undeclared_variables(tree) - set(environment.globals)
    for variable in sorted(used - template.meta.variables - IMPLICIT_VARIABLES):
        message = f"variable {variable!r} is used but not declared in meta.yaml (variables:)"
        yield finding("undeclared_variable", message, _first_line(tree, variable))
    limited_purpose = template.meta.purpose in CONTENT_LIMITED_PURPOSES
    if channel == "voicemail" or limited_purpose:
        kind = "voicemail" if channel == "voicemail" else template.meta.purpose
        code = "voicemail_forbidden" if channel == "voicemail" else "content_forbidden"
        for variable in sorted(used - CONTENT_LIMITED_VARIABLES):
            yield finding(code, f"a {kind} message may not use {variable!r}", _first_line(tree, variable))
        for filter_node in tree.find_all(nodes.Filter):
            if filter_node.name in _DEBT_FILTERS:
                yield finding(code, f"a {kind} message may not use |{filter_node.name}", filter_node.lineno)
        return
    inline = template.meta.required_content == "inline" and channel in ("sms", "email")
    if channel == "voice" or (inline and name != "email_subject.txt"):
        if "disclosure" not in used:
            yield finding("missing_disclosure", "the debt-collector disclosure is missing: add {{ disclosure }}")
        if channel != "voice" and "opt_out" not in used:
            yield finding("missing_opt_out", "the opt-out instruction is missing: add {{ opt_out }}")


def _unknown_filters_and_tests(
    tree: nodes.Template, filters: Mapping[str, object], tests: Mapping[str, object]
) -> Iterator[tuple[str, str, int]]:
    """Filters and tests the sandbox does not have. Jinja only refuses them when the template compiles if they
    are outside any ``{% if %}``; inside one it waits until the branch runs, so the walk finds them all."""
    available = ", ".join(sorted(name for name in filters if not name.startswith("parley_")))
    for filter_node in tree.find_all(nodes.Filter):
        if filter_node.name not in filters:
            message = f"unknown filter |{filter_node.name} (available: {available})"
            yield "unknown_filter", message, filter_node.lineno
    for test_node in tree.find_all(nodes.Test):
        if test_node.name not in tests:
            yield "unknown_test", f"unknown test 'is {test_node.name}'", test_node.lineno


def _first_line(tree: nodes.Template, variable: str) -> int | None:
    return next((node.lineno for node in tree.find_all(nodes.Name) if node.name == variable), None)


def _check_renders(
    template: TemplateDefinition, renderer: Renderer, options: LintOptions, name_problem: str | None
) -> Iterator[LintFinding]:
    try:
        context = sample_context(
            template.sample,
            business_name=options.business_name,
            callback_number=options.callback_number,
            agent_name=options.agent_name,
            first_contact=True,
        )
    except ValidationError as error:
        yield LintFinding("sample_invalid", "error", f"{template.id}/sample.yaml", _short(error), None, template.id)
        return
    for channel in template.meta.channels:
        for locale in template.locales_with(channel):
            variant = template.variant(channel, locale)
            path = variant.parts["body"].path
            if name_problem and (channel == "voicemail" or "voicemail" in variant.parts):
                yield LintFinding("voicemail_forbidden", "error", path, name_problem, None, template.id)
            yield from _render_checks(template, renderer, options, context, channel, locale, path)


def _render_checks(
    template: TemplateDefinition,
    renderer: Renderer,
    options: LintOptions,
    context: RenderContext,
    channel: TemplateChannel,
    locale: str,
    path: str,
) -> Iterator[LintFinding]:
    variant = template.variant(channel, locale)
    try:
        message = renderer.render_variant(template, variant, context)
        editor_text = renderer.render_variant(template, variant, context, with_footer=False)
    except TemplateError as error:
        code = "render_failed"
        if isinstance(error, ForbiddenContent):
            code = "voicemail_forbidden" if channel in ("voicemail", "voice") else "content_forbidden"
        elif isinstance(error, RequiredContentMissing):
            code = "missing_required_content"
        yield LintFinding(code, "error", error.path or path, f"with the sample data: {error}", error.line, template.id)
        return
    if message.sms is not None and message.sms.segments > options.sms_max_segments:
        yield LintFinding(
            "sms_too_long",
            "error",
            path,
            f"renders to {message.sms.segments} SMS segments ({message.sms.encoding}, {message.sms.units} units, "
            f"with the full disclosure); the maximum is {options.sms_max_segments}",
            None,
            template.id,
        )
    if language_of(locale) == "en":
        for part_name, text in (("body", editor_text.body), ("voicemail", editor_text.voicemail)):
            if not text:
                continue
            grade = readability_grade(text)
            if grade > options.readability_max_grade:
                yield LintFinding(
                    "readability",
                    "error",
                    variant.parts[part_name].path,
                    f"Flesch–Kincaid grade {grade:.1f} is above {options.readability_max_grade:g}: "
                    "use shorter sentences and simpler words",
                    None,
                    template.id,
                )


def readability_grade(text: str) -> float:
    """Flesch–Kincaid grade of ``text``, links left out (they are not words).

    Words and sentences are counted by textstat; syllables by Pyphen's hyphenation dictionary, which is
    textstat's own fallback. textstat's default English path needs NLTK's CMU dictionary, which it
    downloads at first use: lint must give the same answer on every machine, offline.
    """
    plain = _URL.sub("", text)
    words: int = textstat.lexicon_count(plain)
    if not words:
        return 0.0
    sentences: int = max(1, textstat.sentence_count(plain))
    syllables = sum(len(_hyphenator().positions(word)) + 1 for word in _WORD.findall(plain.lower()))
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def _check_required_locales(
    ids: list[str], templates: Mapping[str, TemplateDefinition], options: LintOptions
) -> Iterator[LintFinding]:
    required = options.required
    if required is None:
        required = [
            (template.id, channel, locale)
            for template in templates.values()
            for channel in template.meta.channels
            for locale in DEFAULT_LOCALES
        ]
    required = [
        *required,
        *((template, channel, locale) for template, channel in options.cadence_channels for locale in DEFAULT_LOCALES),
    ]
    for template_id, channel, locale in sorted(set(required)):
        template = templates.get(template_id)
        where = f"{template_id}/meta.yaml"
        if template is None:
            if template_id not in ids:
                yield LintFinding("missing_template", "error", where, "a cadence uses this template; it does not exist")
            continue
        if channel not in template.meta.channels:
            yield LintFinding(
                "missing_channel", "error", where, f"a cadence sends it by {channel}; meta.yaml does not allow it",
                None, template_id,
            )  # fmt: skip
            continue
        chain = fallback_chain(locale)
        acceptable = [candidate for candidate in chain if candidate.split("-")[0] == chain[0].split("-")[0]]
        if not set(acceptable) & set(template.locales_with(channel)):
            yield LintFinding(
                "missing_locale", "error", f"{template_id}/{locale}/",
                f"no {channel} files for locale {locale!r}, which a cadence uses", None, template_id,
            )  # fmt: skip


def _short(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors())


__all__ = ["LintFinding", "LintOptions", "LintReport", "SourceFile", "lint_sources", "readability_grade"]
