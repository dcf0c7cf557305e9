"""Destinations with a fixed, documented behaviour — like Twilio's magic test numbers.

The sandbox channel and the local provider emulators both read this table, so one contract test
suite drives the same outcome through every adapter: sending to ``+15005550429`` is throttled
everywhere, ``timeout@…`` times out everywhere. Anything not listed is accepted and delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ApiBehaviour = Literal["accept", "throttle", "retryable", "permanent", "timeout"]


@dataclass(frozen=True)
class Scenario:
    """How the provider answers the send request, and what it reports afterwards."""

    api: ApiBehaviour = "accept"
    code: str | None = None
    outcome: str = "delivered"
    outcome_code: str | None = None
    answered_by: str | None = None
    reply: str | None = None
    keypad: str | None = None
    retry_after_s: float = 2.0


ACCEPTED = Scenario()

PHONE_SCENARIOS: dict[str, Scenario] = {
    "+15005550001": Scenario(api="permanent", code="21211"),
    "+15005550004": Scenario(api="permanent", code="21610"),
    "+15005550009": Scenario(api="permanent", code="21614"),
    "+15005550429": Scenario(api="throttle", code="20429"),
    "+15005550500": Scenario(api="retryable", code="20500"),
    "+15005550408": Scenario(api="timeout"),
    "+15005550306": Scenario(outcome="undelivered", outcome_code="30006"),
    "+15005550303": Scenario(outcome="undelivered", outcome_code="30003"),
    "+15005550777": Scenario(outcome="completed", answered_by="machine_end_beep"),
    "+15005550486": Scenario(outcome="busy"),
    "+15005550487": Scenario(outcome="no-answer"),
    "+15005550201": Scenario(reply="I can pay $50 on Friday"),
    "+15005550101": Scenario(outcome="completed", answered_by="human", keypad="1"),
    "+15005550102": Scenario(outcome="completed", answered_by="human", keypad="2"),
    "+15005550109": Scenario(outcome="completed", answered_by="human", keypad="9"),
}

EMAIL_SCENARIOS: dict[str, Scenario] = {
    "throttle": Scenario(api="throttle", code="429"),
    "retryable": Scenario(api="retryable", code="500"),
    "permanent": Scenario(api="permanent", code="to"),
    "timeout": Scenario(api="timeout"),
    "bounce": Scenario(outcome="bounce", outcome_code="5.1.1"),
    "dropped": Scenario(outcome="dropped", outcome_code="Bounced Address"),
    "unsubscribe": Scenario(outcome="unsubscribe"),
    "group_unsubscribe": Scenario(outcome="group_unsubscribe"),
    "spamreport": Scenario(outcome="spamreport"),
    "reply": Scenario(reply="I already paid this last week"),
}


def scenario_for(destination: str, overrides: dict[str, Scenario] | None = None) -> Scenario:
    """The scenario of a phone number or email address (by local part); overrides win."""
    if overrides and destination in overrides:
        return overrides[destination]
    if "@" in destination:
        return EMAIL_SCENARIOS.get(destination.partition("@")[0].lower(), ACCEPTED)
    return PHONE_SCENARIOS.get(destination, ACCEPTED)
