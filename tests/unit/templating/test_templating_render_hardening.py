"""A template cannot stall the worker with a nested-container bomb, and every render failure is a RenderError."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from templating_helpers import make_renderer, reminder_sources

from orchestrator.templating import RenderContext, RenderError, RenderLimitExceeded, TemplateError
from orchestrator.templating.lint import lint_sources
from parley.cli.templates import templates

NS_BOMB = "{% set ns = namespace(l=[1]) %}{% for i in range(26) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}"


def render_sms(text: str, context: RenderContext, **limits: object) -> str:
    return make_renderer(reminder_sources(sms=text), **limits).render("reminder", "sms", "en", context).body


@pytest.mark.parametrize(
    "bomb",
    [
        NS_BOMB + "{{ ns.l }}",
        NS_BOMB + "{{ ns.l|string }}",
        NS_BOMB + "{{ ns.l|join(',') }}",
        NS_BOMB + "{{ ns.l|list|length }}",
        NS_BOMB + "{{ ns.l ~ '' }}",
        NS_BOMB + "{{ 'x' if ns.l|length > 0 }}",
        "{{ range(5000)|list|join('x' * 60000) }}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(26) %}{% set ns.l = [ns.l] * 2 %}{% endfor %}{{ 1 }}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(26) %}{% set ns.l = {'a': ns.l, 'b': ns.l} %}"
        "{% endfor %}{{ 1 }}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(4000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l|string }}",
    ],
)
def test_a_nested_container_bomb_stops_quickly(bomb: str, context: RenderContext) -> None:
    started = time.perf_counter()
    with pytest.raises(RenderLimitExceeded):
        render_sms(bomb, context)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "{{ [1, 2] }}",
        "{{ account }}",
        "{% set ns = namespace(a=1) %}{{ ns }}",
        "{{ (1, 2) }}",
        "{{ {'a': 1} }}",
    ],
)
def test_printing_a_container_is_a_render_error(text: str, context: RenderContext) -> None:
    with pytest.raises(RenderError, match="cannot be printed"):
        render_sms(text, context)


def test_small_lists_still_work_through_filters(context: RenderContext) -> None:
    body = render_sms(
        "{{ [first_name, 'x']|join('-') }} {{ [3, 1, 2]|sort|first }} {{ range(10)|list|length }}", context
    )
    assert body.startswith("Ana-x 1 10")


@pytest.mark.parametrize(
    "text",
    [
        "{% if true %}{{ first_name|shout }}{% endif %}",
        "{% if true %}{{ first_name is shouting }}{% endif %}",
        "{{ 1.5|round(method='x') }}",
        "{{ first_name|truncate(-1) }}",
    ],
)
def test_every_render_failure_is_a_render_error(text: str, context: RenderContext) -> None:
    with pytest.raises(RenderError) as caught:
        render_sms(text, context)
    assert isinstance(caught.value, TemplateError) and caught.value.path == "reminder/en/sms.txt"


def test_a_memory_error_while_rendering_is_a_render_error(
    context: RenderContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> str:
        raise MemoryError

    renderer = make_renderer(reminder_sources())
    monkeypatch.setitem(renderer.compiler.environment("x.txt").filters, "money", explode)
    with pytest.raises(RenderError, match="MemoryError"):
        renderer.render("reminder", "sms", "en", context)


def test_a_runtime_error_names_its_line(context: RenderContext) -> None:
    with pytest.raises(RenderError, match="line 3"):
        render_sms("Hi\n{{ first_name }}\n{% if true %}{{ first_name|shout }}{% endif %}", context)


BRANCH_SMS = "Hi {{ first_name }}.\n{% if balance > 5000 %}\n{{ creditor|shout }}\n{% endif %}\n"
BRANCH_META = "purpose: reminder\nchannels: [sms]\nvariables: [first_name, balance, creditor, account]\n"


def branch_sources(balance: str) -> dict[str, str]:
    sample = (
        "first_name: Ana\naccounts:\n  - id: A-1\n    creditor: Acme\n    balance: '" + balance + "'\n"
        "now: '2026-03-02T10:00:00Z'\n"
    )
    return {
        "big/meta.yaml": BRANCH_META,
        "big/sample.yaml": sample,
        "big/en/sms.txt": BRANCH_SMS,
        "big/es/sms.txt": "Hola {{ first_name }}.",
    }


@pytest.mark.parametrize("balance", ["100.00", "9000.00"])
def test_lint_reports_an_unknown_filter_in_a_branch_with_its_line(balance: str) -> None:
    report = lint_sources(branch_sources(balance))
    unknown = [finding for finding in report.errors if finding.code == "unknown_filter"]
    assert [(finding.path, finding.line) for finding in unknown] == [("big/en/sms.txt", 3)]
    assert "shout" in unknown[0].message


def test_lint_reports_an_unknown_test() -> None:
    sources = branch_sources("100.00")
    sources["big/en/sms.txt"] = "Hi {{ first_name }}.\n{% if balance is huge %}x{% endif %}\n"
    report = lint_sources(sources)
    assert [(f.code, f.line) for f in report.errors if f.code == "unknown_test"] == [("unknown_test", 2)]


def test_lint_reports_a_render_failure_with_its_line() -> None:
    sources = branch_sources("100.00")
    sources["big/en/sms.txt"] = "Hi {{ first_name }}.\n\n{{ first_name|truncate(-1) }}\n"
    report = lint_sources(sources)
    failed = [finding for finding in report.errors if finding.code == "render_failed"]
    assert [(finding.path, finding.line) for finding in failed] == [("big/en/sms.txt", 3)]


def write_sources(root: Path, sources: dict[str, str]) -> Path:
    for relative, text in sources.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_lint_and_preview_cli_do_not_traceback_on_a_runtime_error(tmp_path: Path) -> None:
    root = write_sources(tmp_path / "tpl", branch_sources("9000.00"))
    lint = CliRunner().invoke(templates, ["lint", str(root)])
    assert lint.exit_code == 1 and isinstance(lint.exception, SystemExit), lint.output
    assert "unknown_filter" in lint.output and "shout" in lint.output
    preview = CliRunner().invoke(templates, ["preview", "big", "--channel", "sms", "--path", str(root)])
    assert preview.exit_code == 1 and isinstance(preview.exception, SystemExit), preview.output
    assert "shout" in preview.output and "Traceback" not in preview.output


LONG_SMS = "Hi {{ first_name }}, your {{ account.creditor }} account: {{ amount_due|money }} due {{ due_date|date }}."


def long_context(context: RenderContext) -> RenderContext:
    account = context.accounts[0].model_copy(update={"creditor": "Consolidated Regional Credit Union " * 8})
    return context.model_copy(update={"first_name": "小龍", "accounts": (account,)})


def test_an_sms_over_the_segment_limit_is_refused_when_the_renderer_knows_the_limit(context: RenderContext) -> None:
    renderer = make_renderer(reminder_sources(sms=LONG_SMS), sms_max_segments=3)
    with pytest.raises(RenderLimitExceeded, match="SMS segments") as caught:
        renderer.render("reminder", "sms", "en", long_context(context))
    assert caught.value.limit == "sms_segments"


def test_without_a_segment_limit_a_long_sms_still_renders(context: RenderContext) -> None:
    message = make_renderer(reminder_sources(sms=LONG_SMS)).render("reminder", "sms", "en", long_context(context))
    assert message.sms is not None and message.sms.segments > 3


def test_lint_keeps_reporting_sms_too_long_when_the_limits_carry_the_segment_limit() -> None:
    from orchestrator.templating import RenderLimits
    from orchestrator.templating.lint import LintOptions

    sources = reminder_sources(sms="Hi {{ first_name }}. " + "Please call us about your account today. " * 20)
    report = lint_sources(sources, LintOptions(limits=RenderLimits(sms_max_segments=3), required=[]))
    assert [finding.code for finding in report.errors] == ["sms_too_long"]


def test_the_segment_limit_of_the_settings_reaches_the_renderer_the_worker_builds() -> None:
    from parley.settings import Settings
    from parley.template_files import render_limits

    assert render_limits(Settings(sms_max_segments=5)).sms_max_segments == 5
