"""What the tests of due sends share: a runtime whose sandbox clock the test sets, placed debtors, and the
sandbox SMS channel with switches for what a worker meets (dying before the provider call, the
provider's list API failing). The switched channel is a test double of our own ``Channel`` port around
the real sandbox adapter, not of a provider SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from channels.sandbox import SandboxChannel
from orchestrator.events import Account, AccountPlaced, DebtorProfile, Email, InboundEvent, Name, Phone
from orchestrator.outbound import OutboundMessage, Retryable, SendResult
from orchestrator.outputs import OutputEvent
from parley.bootstrap import Runtime, build_runtime
from parley.settings import Settings

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


class WorkerDied(BaseException):
    """Stands for the process being killed: nothing after it runs."""


@dataclass
class Clock:
    """The sandbox provider's clock (when it says it accepted a message); the test moves it."""

    now: datetime = NOW


@pytest.fixture(name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(name="runtime")
async def clocked_runtime_fixture(redis_url: str, key_prefix: str, clock: Clock) -> AsyncIterator[Runtime]:
    """``clocked_runtime`` as the test's ``runtime`` (in place of the shared one), closed after the test."""
    built = await clocked_runtime(redis_url, key_prefix, clock)
    try:
        yield built
    finally:
        await built.aclose()


async def clocked_runtime(redis_url: str, key_prefix: str, clock: Clock) -> Runtime:
    """The worker's runtime on one partition, quiet days off, the sandbox stamping sends with ``clock``."""
    settings = Settings(state_url=redis_url, key_prefix=key_prefix.rstrip(":"), quiet_days=False)
    return await build_runtime(settings, partition_of=lambda _d: 0, sandbox_kwargs={"clock": lambda: clock.now})


class SwitchedSms:
    """The sandbox SMS channel with switches: the worker dies before handing over the next send of a
    debtor in ``dies_before``, or just after the provider accepted it (``dies_after``); the provider's
    list API answers 503 while ``listing_fails``."""

    def __init__(self, inner: SandboxChannel) -> None:
        self.inner = inner
        self.channel, self.limits = inner.channel, inner.limits
        self.dies_before: set[str] = set()
        self.dies_after: set[str] = set()
        self.listing_fails = False

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.debtor_id in self.dies_before:
            self.dies_before.discard(message.debtor_id)
            raise WorkerDied
        result = await self.inner.send(message)
        if message.debtor_id in self.dies_after:
            self.dies_after.discard(message.debtor_id)
            raise WorkerDied
        return result

    async def find_sent(self, to: str, since: datetime, until: datetime) -> list[SendResult] | None:
        if self.listing_fails:
            raise Retryable("twilio", "HTTP 503 listing messages", "20503", http_status=503)
        return list(await self.inner.find_sent(to, since, until) or [])

    async def close(self) -> None:
        await self.inner.close()


def switched_sms(runtime: Runtime) -> tuple[SwitchedSms, SandboxChannel]:
    """Route the runtime's SMS through a ``SwitchedSms`` around its sandbox channel."""
    sandbox = runtime.channels["sms"]
    assert isinstance(sandbox, SandboxChannel)
    switched = SwitchedSms(sandbox)
    runtime.ctx = replace(runtime.ctx, channels={**runtime.ctx.channels, "sms": switched})
    return switched, sandbox


def placed(debtor_id: str, phone: str, *, email: str | None = None, at: datetime = NOW) -> InboundEvent:
    """``account.placed`` for a debtor in New York with consent on ``phone`` (and ``email``, if any)."""
    debtor = DebtorProfile(
        id=debtor_id,
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number=phone, sms_consent=True, call_consent=True),),
        emails=(Email(address=email, consent=True),) if email else (),
    )
    account = Account(id=f"A-{debtor_id}", creditor="Acme", balance=Decimal("90.00"))
    data = AccountPlaced(debtor=debtor, account=account)
    event_id = f"placed-{debtor_id}"
    return InboundEvent(id=event_id, type="account.placed", source="test", subject=debtor_id, time=at, data=data)


def types_for(outputs: list[OutputEvent], debtor_id: str) -> list[str]:
    return [output.type for output in outputs if output.subject == debtor_id]


def sms_sent_to(sandbox: SandboxChannel, debtor_id: str) -> list[str]:
    """Provider ids of the SMS the sandbox accepted for the debtor."""
    return [s.result.provider_message_id for s in sandbox.sent if s.result and s.message.debtor_id == debtor_id]
