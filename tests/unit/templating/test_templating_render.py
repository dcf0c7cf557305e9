"""Rendering: locale fallback, filters, required content, versions, escaping, content limits."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from templating_helpers import SECRET, make_renderer, reminder_sources

from orchestrator.templating import (
    ChannelNotAvailable,
    ForbiddenContent,
    RenderContext,
    RenderError,
    RequiredContentMissing,
    TemplateNotFound,
    verify_payment_token,
)
from orchestrator.templating.required_content import FULL_DISCLOSURE, SHORT_DISCLOSURE


def test_sms_gets_the_short_disclosure_and_opt_out_after_the_first_contact(context: RenderContext) -> None:
    message = make_renderer(reminder_sources()).render("reminder", "sms", "en", context)
    assert message.body == (
        "Hi Ana, $75.50 is due Mar 16, 2026.\nThis message is from a debt collector. Reply STOP to opt out."
    )
    assert message.sms is not None and message.sms.encoding == "GSM-7" and message.sms.segments == 1


def test_first_contact_carries_the_full_disclosure_in_the_message_language(context: RenderContext) -> None:
    first = context.model_copy(update={"first_contact": True})
    message = make_renderer(reminder_sources()).render("reminder", "sms", "es", first)
    assert message.locale == "es"
    assert "9 de marzo" not in message.body and "16 de marzo de 2026" in message.body
    assert "1" in message.body and "75,50" in message.body
    assert FULL_DISCLOSURE["es"].replace("ó", "o") in message.body
    assert "Responda STOP" in message.body


def test_regional_locale_falls_back_to_its_language_then_english(context: RenderContext) -> None:
    renderer = make_renderer(reminder_sources())
    assert renderer.render("reminder", "sms", "es-MX", context).locale == "es"
    email = renderer.render("reminder", "email", "es-MX", context)
    assert email.locale == "en"
    assert SHORT_DISCLOSURE["en"] in email.body


def test_email_html_is_autoescaped_and_gets_the_footer_inside_the_body(context: RenderContext) -> None:
    hostile = context.model_copy(update={"first_name": "<script>x</script>"})
    message = make_renderer(reminder_sources()).render("reminder", "email", "en", hostile)
    assert message.html is not None
    assert "&lt;script&gt;" in message.html and "<script>" not in message.html
    assert message.html.index(SHORT_DISCLOSURE["en"]) < message.html.index("</body>")
    assert "<script>x</script>" in message.body  # the text part is not HTML
    assert message.subject == "Payment of $75.50 due"


def test_payment_link_carries_a_verifiable_token_for_the_debtor_and_account(context: RenderContext) -> None:
    message = make_renderer(reminder_sources()).render("reminder", "email", "en", context)
    token = message.body.split("https://pay.example.com/p/")[1].split()[0]
    verified = verify_payment_token(token, SECRET, datetime(2026, 3, 3, tzinfo=UTC))
    assert (verified.debtor_id, verified.account_id) == ("D-1", "A-1")


def test_the_version_is_a_content_hash_that_changes_with_the_sources_used(context: RenderContext) -> None:
    original = make_renderer(reminder_sources()).render("reminder", "sms", "en", context)
    again = make_renderer(reminder_sources()).render("reminder", "sms", "en", context)
    edited = make_renderer(reminder_sources(sms="Hello {{ first_name }}.")).render("reminder", "sms", "en", context)
    spanish = make_renderer(reminder_sources()).render("reminder", "sms", "es", context)
    assert original.template_version == again.template_version
    assert len({original.template_version, edited.template_version, spanish.template_version}) == 3


def test_templates_compile_once_per_version(context: RenderContext) -> None:
    renderer = make_renderer(reminder_sources())
    for _ in range(5):
        renderer.render("reminder", "sms", "en", context)
    assert len(renderer.compiler._cache) == 1


def test_unknown_template_and_disallowed_channel_are_typed_errors(context: RenderContext) -> None:
    renderer = make_renderer(reminder_sources())
    with pytest.raises(TemplateNotFound):
        renderer.render("nope", "sms", "en", context)
    with pytest.raises(ChannelNotAvailable, match="does not allow channel 'voice'"):
        renderer.render("reminder", "voice", "en", context)


def test_inline_templates_that_hide_the_opt_out_are_refused_at_render(context: RenderContext) -> None:
    sources = reminder_sources(sms="Hi. {{ disclosure }}{% if false %}{{ opt_out }}{% endif %}")
    sources["reminder/meta.yaml"] += "required_content: inline\n"
    with pytest.raises(RequiredContentMissing, match="Reply STOP"):
        make_renderer(sources).render("reminder", "sms", "en", context)


def test_a_voicemail_naming_a_debt_collection_business_is_refused(context: RenderContext) -> None:
    sources = {
        "vm/meta.yaml": "purpose: voicemail\nchannels: [voicemail]\nvariables: [business_name, callback_number]\n",
        "vm/en/voicemail.txt": "This is {{ business_name }}. Please call {{ callback_number }}.",
    }
    renderer = make_renderer(sources)
    assert "call (800) 555-0100" in renderer.render("vm", "voicemail", "en", context).body
    collector = context.model_copy(update={"business_name": "The Receivables Group"})
    with pytest.raises(ForbiddenContent, match="Receivables"):
        renderer.render("vm", "voicemail", "en", collector)


def test_help_reply_has_the_opt_out_but_no_disclosure(context: RenderContext) -> None:
    sources = {
        "help/meta.yaml": "purpose: help_reply\nchannels: [sms]\nvariables: [business_name, callback_number]\n",
        "help/en/sms.txt": "{{ business_name }}. Need help? Call {{ callback_number }}.",
    }
    body = make_renderer(sources).render("help", "sms", "en", context).body
    assert body == "Parley Services. Need help? Call (800) 555-0100.\nReply STOP to opt out."


def test_an_oversized_message_is_refused(context: RenderContext) -> None:
    from orchestrator.templating import RenderLimitExceeded

    with pytest.raises(RenderLimitExceeded):
        make_renderer(reminder_sources(sms="{{ 'x' * 900 }}"), max_bytes=500).render("reminder", "sms", "en", context)


def test_money_is_formatted_per_locale_each_time_even_when_remembered(context: RenderContext) -> None:
    renderer = make_renderer(reminder_sources())
    english = [renderer.render("reminder", "sms", "en", context).body for _ in range(2)]
    spanish = renderer.render("reminder", "sms", "es", context).body
    assert english[0] == english[1] and "$75.50" in english[0]
    assert "75,50" in spanish and "$75.50" not in spanish


def test_a_non_finite_amount_is_a_render_error(context: RenderContext) -> None:
    renderer = make_renderer(reminder_sources())
    with pytest.raises(RenderError, match="not a finite amount"):
        renderer.render("reminder", "sms", "en", context.model_copy(update={"amount_due": Decimal("NaN")}))
