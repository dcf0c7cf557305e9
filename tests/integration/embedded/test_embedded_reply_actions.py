"""Issue 8 end to end in the embedded runner: a placed account, then the debtor's reply from their own
number (a ``provider.inbound`` line in the replay file), and what Parley does about it over 30 days;
and an email unsubscribe or spam report, which the provider reports as a status of the send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

Replay = Callable[..., list[dict[str, Any]]]

DEBTOR, ACCOUNT = "d-e2e-1", "a-e2e-1"
MOBILE, EMAIL = "+12125550147", "jordan.reyes@example.com"
PLACED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
REPLY_AT = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)  # Tuesday 10:30 in New York
REPLY_ID = "in-e2e-1"


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def placed() -> dict[str, Any]:
    debtor = {
        "id": DEBTOR,
        "name": {"first": "Jordan", "last": "Reyes"},
        "language": "en",
        "address": {"line1": "12 Grove St", "city": "New York", "state": "NY", "postal_code": "10014", "country": "US"},
        "phones": [{"number": MOBILE, "type": "mobile", "sms_consent": True, "call_consent": True}],
        "emails": [{"address": EMAIL, "consent": True, "employer_provided": False}],
        "preferences": {"channels": ["sms", "email"], "blocked_channels": [], "inconvenient_times": []},
    }
    account = {"id": ACCOUNT, "creditor": "Acme Bank", "balance": "420.00", "currency": "USD", "days_past_due": 45}
    return {
        "specversion": "1.0", "id": "placed-e2e-1", "source": "upstream/test", "type": "account.placed",
        "subject": DEBTOR, "time": _stamp(PLACED_AT), "datacontenttype": "application/json",
        "data": {"debtor": debtor, "account": account},
    }  # fmt: skip


def reply(text: str) -> dict[str, Any]:
    """An SMS from the debtor's number, as Parley's webhook publishes it (no subject: found by number)."""
    return {
        "specversion": "1.0", "id": REPLY_ID, "source": "urn:parley:webhooks:twilio", "type": "provider.inbound",
        "time": _stamp(REPLY_AT), "datacontenttype": "application/json",
        "data": {"channel": "sms", "from": MOBILE, "to": "+18005550100", "text": text,
                 "provider_message_id": "SM-in-e2e-1"},
    }  # fmt: skip


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00"))


def _dispatched_after(outputs: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    return [e for e in outputs if e["type"] == "message.dispatched" and _at(e) >= moment]


def _reply_received(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    (received,) = [e["data"] for e in outputs if e["type"] == "reply.received" and e["data"]["reply_id"] == REPLY_ID]
    return received


def test_without_a_reply_the_cadence_keeps_texting_that_number(replay_events: Replay) -> None:
    outputs = replay_events([placed()])
    later_sms = [e for e in _dispatched_after(outputs, REPLY_AT) if e["data"]["channel"] == "sms"]
    assert later_sms, "the control run must text the number after the reply's time, or the tests below prove nothing"


def test_stop_leaves_one_confirmation_and_no_further_text_to_that_number(replay_events: Replay) -> None:
    outputs = replay_events([placed(), reply("STOP")])
    assert _reply_received(outputs)["intent"] == "opt_out"
    texts = [e["data"] for e in _dispatched_after(outputs, REPLY_AT) if e["data"]["to"] == MOBILE]
    texts = [data for data in texts if data["channel"] == "sms"]
    assert [data["template_id"] for data in texts] == ["opt_out_confirmation"]
    (confirmation,) = [e for e in _dispatched_after(outputs, REPLY_AT) if e["data"]["channel"] == "sms"]
    assert _at(confirmation) - REPLY_AT <= timedelta(minutes=5)


def test_talk_to_my_lawyer_places_an_attorney_hold_and_cancels_what_was_pending(replay_events: Replay) -> None:
    outputs = replay_events([placed(), reply("Talk to my lawyer")])
    received = _reply_received(outputs)
    assert received["intent"] == "attorney"
    assert received["needs_review"] is True
    cancelled = [e["data"] for e in outputs if e["type"] == "message.cancelled" and _at(e) == REPLY_AT]
    assert len(cancelled) >= 3  # the day-3, day-5, day-7 and day-14 steps were still ahead
    assert {data["cause_event_id"] for data in cancelled} == {REPLY_ID}
    assert _dispatched_after(outputs, REPLY_AT) == []


def test_a_promise_to_pay_becomes_a_payment_intent_for_that_friday(replay_events: Replay) -> None:
    outputs = replay_events([placed(), reply("I can pay $50 Friday")])
    assert _reply_received(outputs)["intent"] == "promise_to_pay"
    (intent,) = [e["data"] for e in outputs if e["type"] == "payment_intent.detected"]
    assert intent["amount"] == "50.00"
    assert intent["date"] == "2026-03-06"  # the Friday after Tuesday 3 March
    assert intent["account_id"] == ACCOUNT and intent["source_reply_id"] == REPLY_ID
    confirmations = [e["data"]["template_id"] for e in _dispatched_after(outputs, REPLY_AT)]
    assert "promise_confirmation" in confirmations


def test_help_gets_the_help_reply_by_text(replay_events: Replay) -> None:
    outputs = replay_events([placed(), reply("HELP")])
    assert _reply_received(outputs)["intent"] == "help"
    helps = [e["data"] for e in _dispatched_after(outputs, REPLY_AT) if e["data"]["template_id"] == "help_reply"]
    assert len(helps) == 1
    assert helps[0]["channel"] == "sms" and helps[0]["to"] == MOBILE


@pytest.mark.parametrize("text", ["wrong number", "Wrong number, I don't know this person"])
def test_a_wrong_number_is_never_used_again(replay_events: Replay, text: str) -> None:
    outputs = replay_events([placed(), reply(text)])
    received = _reply_received(outputs)
    assert received["intent"] == "wrong_number" and received["needs_review"] is True
    assert [e for e in _dispatched_after(outputs, REPLY_AT) if e["data"]["to"] == MOBILE] == []
    assert any(e["data"]["to"] == EMAIL for e in _dispatched_after(outputs, REPLY_AT))  # the email still works


def _email_only(address: str) -> dict[str, Any]:
    event = placed()
    debtor = event["data"]["debtor"]
    debtor["phones"] = []
    debtor["emails"][0]["address"] = address
    return event


def test_without_an_unsubscribe_the_cadence_keeps_emailing_that_address(replay_events: Replay) -> None:
    outputs = replay_events([_email_only(EMAIL)])
    emails = [e["data"]["to"] for e in outputs if e["type"] == "message.dispatched"]
    assert emails.count(EMAIL) >= 3, "the control run must email the address again, or the test below proves nothing"


@pytest.mark.parametrize("kind", ["unsubscribe", "group_unsubscribe", "spamreport"])
def test_an_unsubscribe_or_spam_report_from_sendgrid_stops_email_to_that_address(
    replay_events: Replay, kind: str
) -> None:
    """The sandbox reports ``kind`` for mail to ``kind@…`` as SendGrid's Event Webhook does (special destinations)."""
    address = f"{kind}@example.com"
    outputs = replay_events([_email_only(address)])
    (first,) = [e for e in outputs if e["type"] == "message.dispatched"]
    assert first["data"]["to"] == address and first["data"]["template_id"] == "first_notice"
    later = [
        e["data"] for e in outputs if e["type"] == "message.suppressed" and e["data"]["channel"] in ("email", "best")
    ]
    later = [data for data in later if any(rule["rule_id"] == "medium_optout" for rule in data["rules"])]
    assert len(later) >= 2  # every later email step, blocked by the opt-out rule
    assert not [
        e for e in outputs if e["type"] == "message.scheduled" and e["data"]["template_id"] == "opt_out_confirmation"
    ]
