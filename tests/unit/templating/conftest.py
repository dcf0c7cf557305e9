"""Shared builders for the template tests: a tiny in-memory catalog and a sample context."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orchestrator.templating import AccountFacts, PaymentLinks, RenderContext, Renderer, TemplateCatalog

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
    from orchestrator.templating import RenderLimits

    return Renderer(
        TemplateCatalog.from_sources(sources),
        PaymentLinks(secret=SECRET, base_url="https://pay.example.com/p/"),
        RenderLimits(**limits),  # type: ignore[arg-type]
    )


@pytest.fixture
def context() -> RenderContext:
    return RenderContext(
        debtor_id="D-1",
        first_name="Ana",
        last_name="Ruiz",
        accounts=(AccountFacts(id="A-1", creditor="Acme Bank", balance=Decimal("1250.00")),),
        amount_due=Decimal("75.5"),
        due_date=date(2026, 3, 16),
        first_contact=False,
        now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    )
