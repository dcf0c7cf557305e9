"""Builders shared by the template tests (a module, not conftest, so imports are unambiguous)."""

from __future__ import annotations

from orchestrator.templating import PaymentLinks, Renderer, RenderLimits, TemplateCatalog

SECRET = b"test-secret"


def reminder_sources(
    sms: str = "Hi {{ first_name }}, {{ amount_due|money }} is due {{ due_date|date }}.",
) -> dict[str, str]:
    return {
        "reminder/meta.yaml": "purpose: reminder\nchannels: [sms, email]\n"
        "variables: [first_name, amount_due, due_date, account]\n",
        "reminder/en/sms.txt": sms,
        "reminder/es/sms.txt": "Hola {{ first_name }}, {{ amount_due|money }} vence el {{ due_date|longdate }}.",
        "reminder/en/email_subject.txt": "Payment of {{ amount_due|money }} due",
        "reminder/en/email.txt": "Hi {{ first_name }}. Pay: {{ account|payment_link }}",
        "reminder/en/email.html": "<html><body><p>Hi {{ first_name }}</p></body></html>",
    }


def make_renderer(sources: dict[str, str], **limits: object) -> Renderer:
    return Renderer(
        TemplateCatalog.from_sources(sources),
        PaymentLinks(secret=SECRET, base_url="https://pay.example.com/p/"),
        RenderLimits(**limits),  # type: ignore[arg-type]
    )
