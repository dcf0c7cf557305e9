"""A planned send: what the scheduler keeps in Redis until the send falls due.

The payload is small, self-contained JSON: at dispatch the service needs to know what to send and
why, but re-reads everything else (consent, opt-outs, holds, balance) from the debtor's current
state, because compliance is re-checked at dispatch time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from orchestrator.compact_json import COMPACT_ASCII_JSON


@dataclass(frozen=True, slots=True)
class PlannedSend:
    """A cadence step instantiated for one cause event."""

    send_id: str
    debtor_id: str
    account_ids: tuple[str, ...]
    template_id: str
    channel: str  # sms | email | voice | best
    purpose: str
    due_at: datetime
    cause_event_id: str
    cause_time: datetime
    step_id: str
    skip_when: tuple[str, ...] = ()
    destination: str | None = None  # fixed for replies (answer where the debtor wrote from)
    facts: tuple[tuple[str, str], ...] = ()  # what the cause event said that the message may quote

    def to_bytes(self) -> bytes:
        return COMPACT_ASCII_JSON.encode(
            [
                self.send_id,
                self.debtor_id,
                list(self.account_ids),
                self.template_id,
                self.channel,
                self.purpose,
                int(self.due_at.timestamp()),
                self.cause_event_id,
                int(self.cause_time.timestamp()),
                self.step_id,
                list(self.skip_when),
                self.destination,
                dict(self.facts),
            ]
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> PlannedSend:
        (send_id, debtor_id, accounts, template, channel, purpose, due, cause, cause_ts, step, skip, dest, facts) = (
            json.loads(raw)
        )
        return cls(
            send_id=send_id,
            debtor_id=debtor_id,
            account_ids=tuple(accounts),
            template_id=template,
            channel=channel,
            purpose=purpose,
            due_at=datetime.fromtimestamp(due, UTC),
            cause_event_id=cause,
            cause_time=datetime.fromtimestamp(cause_ts, UTC),
            step_id=step,
            skip_when=tuple(skip),
            destination=dest,
            facts=tuple(sorted(facts.items())),
        )
