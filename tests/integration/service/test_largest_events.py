"""The largest events the contract accepts (orchestrator/limits.py) make outputs far under the Kafka
producer's limit, and a debtor record Redis holds comfortably.

Every list at its longest and every string at its bound: an ``account.placed``, a ``conversation.logged``
naming 100 accounts, a provider status for what was sent, and e-mail replies longer than a Kafka record
could carry. The strings are drawn from the characters JSON writes widest (the largest outputs) and from
characters that do not compress (the largest record). Each event is decoded from its bytes as the worker
reads it, worked through the service with a real redis-server and the sandbox channels, and each output
encoded as the worker publishes it. Before the bounds, a 2 MB debtor id was accepted and repeated in every
output.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from due_support import NOW, clock_fixture, clocked_runtime_fixture  # noqa: F401 - the clock and runtime fixtures

from consumers.app import create_app
from orchestrator.codec import decode_inbound, encode_output
from orchestrator.events import ProviderInbound
from orchestrator.limits import (
    DESTINATION_LENGTH,
    ID_BYTES,
    ID_LENGTH,
    MAX_ACCOUNT_IDS,
    MAX_CHANNELS,
    MAX_DAYS,
    MAX_EMAILS,
    MAX_INCONVENIENT_TIMES,
    MAX_OPT_OUTS,
    MAX_PHONES,
    PROVIDER_VALUE_LENGTH,
    REPLY_TEXT_LENGTH,
    SOURCE_LENGTH,
    TEXT_LENGTH,
    URL_LENGTH,
    ZONE_NAME_LENGTH,
)
from orchestrator.outputs import MessageDispatched, OutputEvent, ReplyReceived
from orchestrator.rfc3339 import format_date_time
from orchestrator.service.api import handle_event, run_due
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime
from parley.settings import Settings

LONGEST_ZONE = "America/Argentina/ComodRivadavia"  # the longest IANA zone name: 32 characters
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PRODUCER_LIMIT = int(create_app(Settings()).conf.producer_max_request_size)
OUTPUT_ROOM = PRODUCER_LIMIT // 10  # "far under": a tenth of what the producer takes
RECORD_ROOM = 256 * 1024
# Control characters JSON writes as \u00XX, six bytes for one (not \b \f \t \n \r, written in two, nor those
# str.strip() takes for white space): the widest outputs. Ideographs, three bytes of UTF-8 and 14 bits of
# entropy each: the largest compressed record.
ALPHABETS = {
    "json-widest": "".join(chr(c) for c in (*range(0x01, 0x08), *range(0x0E, 0x1C))),
    "incompressible": "".join(chr(c) for c in range(0x4E00, 0xA000)),
}


class Largest:
    """The largest values the contract accepts, in one alphabet: seeded, so every run is the same."""

    def __init__(self, alphabet: str) -> None:
        self.alphabet = alphabet
        self.random = random.Random(alphabet)
        self.debtor = self.id("deb")
        self.emails = [self.text(DESTINATION_LENGTH, f"{n}@example.com") for n in range(MAX_EMAILS)]

    def text(self, length: int, tail: str = "") -> str:
        """``length`` characters: random ones of the alphabet, then ``tail`` (which makes values distinct)."""
        return "".join(self.random.choices(self.alphabet, k=length - len(tail))) + tail

    def id(self, tail: str) -> str:
        """The longest id: ID_LENGTH characters, fewer when they would be more than ID_BYTES of UTF-8."""
        widest = max(len(character.encode()) for character in self.alphabet)
        return self.text(min(ID_LENGTH, (ID_BYTES - len(tail)) // widest + len(tail)), tail)

    def profile(self) -> dict[str, Any]:
        assert len(LONGEST_ZONE) <= ZONE_NAME_LENGTH
        windows = [
            {"days": DAYS[:MAX_DAYS], "start": f"02:{n:02d}", "end": f"02:{n + 1:02d}"}  # nights: no contact then
            for n in range(MAX_INCONVENIENT_TIMES)
        ]
        return {
            "id": self.debtor,
            "name": {"first": self.text(TEXT_LENGTH, "Ana"), "last": self.text(TEXT_LENGTH, "Ruiz")},
            "language": "es",
            "timezone": LONGEST_ZONE,
            "address": {key: self.text(TEXT_LENGTH) for key in ("line1", "city", "state", "postal_code", "country")},
            "phones": [
                {"number": f"+1212555{n:04d}", "type": "mobile", "sms_consent": True, "call_consent": True}
                for n in range(MAX_PHONES)
            ],
            "emails": [{"address": address, "consent": True} for address in self.emails],
            "preferences": {
                "channels": ["email", "sms", "voice"][:MAX_CHANNELS],
                "blocked_channels": [],  # at its longest it would block every channel: nothing would be sent
                "inconvenient_times": windows,
            },
            "opt_outs": [
                {"channel": "email", "destination": self.text(DESTINATION_LENGTH, f"old{n}@example.com")}
                for n in range(MAX_OPT_OUTS)
            ],
        }

    def account(self) -> dict[str, Any]:
        return {
            "id": self.id("acc"),
            "creditor": self.text(TEXT_LENGTH, "Acme Bank"),
            "balance": "999999999999.99",
            "currency": "EUR",
            "days_past_due": 120,
        }

    def wire(self, event_type: str, data: dict[str, Any], tail: str, subject: str | None, at: datetime) -> bytes:
        """The event as a producer writes it: structured JSON, the envelope's id and source at their bounds."""
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.text(ID_LENGTH, tail),
            "source": self.text(SOURCE_LENGTH, "urn:acme"),
            "type": event_type,
            "time": format_date_time(at),
            "data": data,
        }
        if subject is not None:
            envelope["subject"] = subject
        return json.dumps(envelope, ensure_ascii=False).encode()

    def statuses(self, dispatched: list[MessageDispatched]) -> list[bytes]:
        """A provider status for each send, every value at its bound: a click (its link), an undelivered
        text (its error code), a finished call (its answering-machine result)."""
        records = []
        for n, sent in enumerate(dispatched):
            data: dict[str, Any] = {
                "channel": sent.channel,
                "provider_message_id": sent.provider_message_id,
                "send_id": sent.send_id,
            }
            if sent.channel == "email":
                data |= {"status": "click", "url": self.text(URL_LENGTH, "https://pay.example.com/p")}
            elif sent.channel == "sms":
                data |= {"status": "undelivered", "error_code": self.text(PROVIDER_VALUE_LENGTH, "30006")}
            else:
                answered_by = self.text(PROVIDER_VALUE_LENGTH, "human")
                data |= {"status": "completed", "answered_by": answered_by, "duration_s": 75}
            records.append(self.wire("provider.status", data, f"status-{n}", self.debtor, NOW + timedelta(days=3)))
        return records

    def reply(self, text: str, tail: str, *, subject: str | None) -> bytes:
        """An e-mail reply from the debtor's first address: ``text``, then 900,000 characters of quote."""
        data = {
            "channel": "email",
            "from": self.emails[0],
            "to": self.text(DESTINATION_LENGTH, "reply@parley.example"),
            "text": text + "\n\n> On Monday Acme Collections wrote:\n> " + self.text(900_000),
            "provider_message_id": self.text(PROVIDER_VALUE_LENGTH, tail),
        }
        return self.wire("provider.inbound", data, tail, subject, NOW + timedelta(days=4))


async def deliver(runtime: Runtime, value: bytes, topic: str) -> list[OutputEvent]:
    """Decode the record as the worker does, then work it."""
    return await handle_event(runtime.ctx, decode_inbound(value, (), topic=topic))


def record_size(output: OutputEvent) -> int:
    """The output's size as the producer measures it (key, value and headers, encoded as published)."""
    key, value, headers = encode_output(output)
    return int(DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers))


@pytest.mark.parametrize("alphabet", ALPHABETS.values(), ids=ALPHABETS.keys())
async def test_outputs_of_the_largest_valid_events_stay_far_under_the_producer_limit(
    runtime: Runtime, alphabet: str
) -> None:
    largest = Largest(alphabet)
    debtor = largest.debtor
    placed = largest.wire(
        "account.placed", {"debtor": largest.profile(), "account": largest.account()}, "p", debtor, NOW
    )
    outputs = await deliver(runtime, placed, "account-events")
    accounts = [largest.id(f"acc{n}") for n in range(MAX_ACCOUNT_IDS)]
    logged = {"account_ids": accounts, "channel": "voice", "at": format_date_time(NOW - timedelta(days=30))}
    outputs += await deliver(runtime, largest.wire("conversation.logged", logged, "c", debtor, NOW), "account-events")
    for hour in range(72):
        outputs += await run_due(runtime.ctx, 0, NOW + timedelta(hours=hour), limit=128)
    for status in largest.statuses([o.data for o in outputs if isinstance(o.data, MessageDispatched)]):
        outputs += await deliver(runtime, status, "provider-events")
    promise = "Pagaré €999.999.999.999,99 el viernes a las 3 de la tarde, llámenme entonces."
    outputs += await deliver(runtime, largest.reply(promise, "promise", subject=debtor), "provider-events")
    outputs += await deliver(runtime, largest.reply("STOP", "stop", subject=None), "provider-events")

    published = {output.type for output in outputs}
    assert {"message.scheduled", "decision.recorded", "message.dispatched", "message.suppressed"} <= published
    assert {"message.clicked", "reply.received", "payment_intent.detected"} <= published
    sizes = sorted(((record_size(output), output.type) for output in outputs), reverse=True)
    print(f"\n{len(sizes)} outputs; the largest (bytes, type): {sizes[:4]}")
    assert sizes[0][0] < OUTPUT_ROOM, f"{sizes[0][1]} is {sizes[0][0]:,} bytes"

    replies = [o.data for o in outputs if isinstance(o.data, ReplyReceived)]
    assert {r.intent for r in replies} >= {"promise_to_pay", "opt_out"}
    assert all(len(r.text) == REPLY_TEXT_LENGTH and r.text_truncated for r in replies)
    loaded = await runtime.store.load(debtor, "probe")
    assert loaded.state is not None
    state = DebtorRecord.from_bytes(loaded.state).state
    assert ("email", largest.emails[0]) in {(o.channel, o.destination) for o in state.opt_outs}  # the cut STOP held
    print(f"debtor record in Redis: {len(loaded.state):,} bytes")
    assert len(loaded.state) < RECORD_ROOM


async def test_a_reply_cut_to_its_start_keeps_a_stop_and_says_it_was_cut(runtime: Runtime) -> None:
    largest = Largest(ALPHABETS["json-widest"])
    profile = largest.profile() | {"opt_outs": []}
    account = {"id": "A1", "creditor": "Acme", "balance": "90.00"}
    placed = largest.wire("account.placed", {"debtor": profile, "account": account}, "p", largest.debtor, NOW)
    await deliver(runtime, placed, "account-events")
    event = decode_inbound(largest.reply("Stop emailing me.", "stop", subject=None), topic="provider-events")
    assert isinstance(event.data, ProviderInbound) and event.data.text_truncated

    outputs = await handle_event(runtime.ctx, event)

    (received,) = [o.data for o in outputs if isinstance(o.data, ReplyReceived)]
    assert (received.intent, received.debtor_id, received.text_truncated) == ("opt_out", largest.debtor, True)
    assert received.text.startswith("Stop emailing me.") and len(received.text) == REPLY_TEXT_LENGTH
