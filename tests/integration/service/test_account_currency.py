"""An account placed in euros is written to in euros: its currency goes from the event through the
debtor's record in Redis to the message the provider gets. Real redis-server, sandbox channels."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from channels.sandbox import SandboxChannel
from orchestrator.events import Account, AccountPlaced, DebtorProfile, Email, InboundEvent, Name
from orchestrator.outputs import MessageDispatched
from orchestrator.service.api import handle_event, run_due
from parley.bootstrap import Runtime

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


async def test_a_euro_account_s_first_notice_email_states_the_balance_in_euros(runtime: Runtime) -> None:
    debtor = DebtorProfile(
        id="d-eur",
        name=Name(first="Ana"),
        timezone="America/New_York",
        emails=(Email(address="ana@example.com", consent=True),),
    )
    account = Account(id="A", creditor="Acme Bank", balance=Decimal("1250.00"), currency="EUR")
    data = AccountPlaced(debtor=debtor, account=account)
    await handle_event(
        runtime.ctx,
        InboundEvent(id="placed-eur", type="account.placed", source="test", subject="d-eur", time=NOW, data=data),
    )

    outputs = await run_due(runtime.ctx, 0, NOW)

    assert [o.data.template_id for o in outputs if isinstance(o.data, MessageDispatched)] == ["first_notice"]
    email = runtime.channels["email"]
    assert isinstance(email, SandboxChannel)
    (sent,) = [s.message for s in email.sent if s.message.debtor_id == "d-eur"]
    assert "€1,250.00" in sent.body and "€1,250.00" in sent.html
    assert "$" not in sent.body
