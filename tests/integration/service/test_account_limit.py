"""A debtor has at most ``MAX_ACCOUNTS_PER_DEBTOR`` accounts: a placement beyond it cannot be acted on (the
worker dead-letters it with the reason) and changes nothing; an account placed again is not a new one.
Real redis-server, sandbox channels."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name, Phone
from orchestrator.limits import MAX_ACCOUNTS_PER_DEBTOR
from orchestrator.service.api import NOT_ACTIONABLE, handle_events
from orchestrator.service.intake import TooManyAccounts
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
DEBTOR = "d-many"
PROFILE = DebtorProfile(
    id=DEBTOR,
    name=Name(first="Ana"),
    timezone="America/New_York",
    phones=(Phone(number="+12125550178", sms_consent=True, call_consent=True),),
)


def placed(n: int) -> InboundEvent:
    data = AccountPlaced(debtor=PROFILE, account=Account(id=f"A{n}", creditor="Acme", balance=Decimal("10.00")))
    return InboundEvent(id=f"placed-{n}", type="account.placed", source="test", subject=DEBTOR, time=NOW, data=data)


async def accounts(runtime: Runtime) -> list[str]:
    loaded = await runtime.store.load(DEBTOR, "probe")
    assert loaded.state is not None
    return [account.id for account in DebtorRecord.from_bytes(loaded.state).state.accounts]


async def test_a_placement_beyond_the_limit_is_not_acted_on_and_changes_nothing(runtime: Runtime) -> None:
    for n in range(MAX_ACCOUNTS_PER_DEBTOR):
        (result,) = await handle_events(runtime.ctx, [placed(n)])
        assert isinstance(result, list)
    before = await accounts(runtime)
    assert len(before) == MAX_ACCOUNTS_PER_DEBTOR

    (refused,) = await handle_events(runtime.ctx, [placed(MAX_ACCOUNTS_PER_DEBTOR)])
    assert isinstance(refused, TooManyAccounts) and isinstance(refused, NOT_ACTIONABLE)
    assert f"has {MAX_ACCOUNTS_PER_DEBTOR} accounts already" in str(refused)
    assert await accounts(runtime) == before

    (again,) = await handle_events(runtime.ctx, [placed(0).model_copy(update={"id": "placed-0-again"})])
    assert isinstance(again, list)  # an account placed again is not a new account
