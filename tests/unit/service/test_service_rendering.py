"""What the dispatcher renders: a call carries the live script and the limited-content voicemail; balances
are written in the account's own currency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orchestrator.cadence import default_cadences
from orchestrator.compliance import DEFAULT_POLICY
from orchestrator.domain import DebtorState, from_json_bytes, to_json_bytes
from orchestrator.domain.transitions import apply_event
from orchestrator.events import Account, AccountPlaced, DebtorProfile, Email, InboundEvent, Language, Name, Phone
from orchestrator.service.context import ServiceContext
from orchestrator.service.rendering import render_context, render_for
from orchestrator.service.sends import PlannedSend
from orchestrator.templating.required_content import forbidden_mentions
from parley.settings import Settings
from parley.template_files import build_renderer

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


def context() -> ServiceContext:
    return ServiceContext(
        store=None,  # type: ignore[arg-type]  # rendering touches no port but the renderer
        channels={},
        renderer=build_renderer(Settings()),
        cadences=default_cadences(),
        policy=DEFAULT_POLICY,
        partition_of=lambda _d: 0,
    )


def test_a_call_carries_the_live_script_and_a_voicemail_that_says_nothing_about_the_debt() -> None:
    debtor = DebtorProfile(id="d-1", name=Name(first="Ana", last="Ruiz"), phones=(Phone(number="+12125550123"),))
    data = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme Bank", balance=Decimal("420.50")))
    state = apply_event(
        None, InboundEvent(id="e", type="account.placed", source="t", subject="d-1", time=NOW, data=data)
    )
    planned = PlannedSend(
        send_id="snd_1",
        debtor_id="d-1",
        account_ids=("A",),
        template_id="voice_script",
        channel="voice",
        purpose="reminder",
        due_at=NOW,
        cause_event_id="e",
        cause_time=NOW,
        step_id="call_day5",
    )
    rendered = render_for(context(), state, planned, "voice", NOW)
    assert "Acme Bank" in rendered.body
    assert rendered.voicemail and "Alex Morgan" in rendered.voicemail
    assert "Acme" not in rendered.voicemail and "420" not in rendered.voicemail
    assert forbidden_mentions(rendered.voicemail) == []


def placed_in(currency: str, language: Language = "en", *more: Account) -> DebtorState:
    """A debtor with an account in ``currency`` (and ``more``), as the worker reads it back from the store."""
    debtor = DebtorProfile(
        id="d-2", name=Name(first="Ana"), language=language, emails=(Email(address="ana@example.com", consent=True),)
    )
    state: DebtorState | None = None
    for n, account in enumerate(
        (Account(id="A", creditor="Acme Bank", balance=Decimal("1250.00"), currency=currency), *more)
    ):
        data = AccountPlaced(debtor=debtor, account=account)
        event = InboundEvent(id=f"e{n}", type="account.placed", source="t", subject="d-2", time=NOW, data=data)
        state = apply_event(state, event)
    assert state is not None
    return from_json_bytes(to_json_bytes(state))


FIRST_NOTICE = PlannedSend(
    send_id="snd_2",
    debtor_id="d-2",
    account_ids=("A",),
    template_id="first_notice",
    channel="email",
    purpose="first_notice",
    due_at=NOW,
    cause_event_id="e0",
    cause_time=NOW,
    step_id="first_notice_email",
)


@pytest.mark.parametrize(("language", "amount"), [("en", "€1,250.00"), ("es", "1.250,00\xa0€")])
def test_a_euro_account_s_first_notice_shows_the_balance_in_euros(language: Language, amount: str) -> None:
    state = placed_in("EUR", language)
    rendered = render_for(context(), state, FIRST_NOTICE, "email", NOW)
    assert amount in rendered.body and rendered.html and amount in rendered.html
    assert "$" not in rendered.body


def test_a_dollar_account_s_first_notice_still_shows_dollars() -> None:
    state = placed_in("USD")
    assert "$1,250.00" in render_for(context(), state, FIRST_NOTICE, "email", NOW).body


def test_each_account_the_templates_list_carries_its_own_currency() -> None:
    state = placed_in("EUR", "en", Account(id="B", creditor="Beta", balance=Decimal("80.00"), currency="GBP"))
    facts = render_context(context(), state, "B", NOW)
    assert [(a.id, a.currency) for a in facts.accounts] == [("A", "EUR"), ("B", "GBP")]
    assert facts.account() is not None and facts.account().currency == "GBP"  # type: ignore[union-attr]
