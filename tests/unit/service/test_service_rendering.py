"""What the dispatcher renders: a call carries the live script and the limited-content voicemail."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from orchestrator.cadence import default_cadences
from orchestrator.compliance import DEFAULT_POLICY
from orchestrator.domain.transitions import apply_event
from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name, Phone
from orchestrator.service.context import ServiceContext
from orchestrator.service.rendering import render_for
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
