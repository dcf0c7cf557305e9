"""One example ``data`` per event type, shown in the JSON Schemas (``examples``) and checked by the tests.

The generator validates each example through the same models the codec uses, so an example that
drifts from the contract fails `scripts/generate_schemas.py` rather than misleading a reader.
"""

from __future__ import annotations

from typing import Any

DEBTOR = "deb-1001"
ACCOUNT = "acc-2001"
SEND = "snd_4q2jx7m3k5c9v0r8t6w1y2z3ab"
AT = "2024-03-04T15:00:00Z"

INBOUND_EXAMPLES: dict[str, dict[str, Any]] = {
    "account.placed": {
        "debtor": {
            "id": DEBTOR,
            "name": {"first": "Ana", "last": "Ruiz"},
            "language": "es",
            "timezone": "America/Chicago",
            "address": {"line1": "12 Oak St", "city": "Austin", "state": "TX", "postal_code": "78701", "country": "US"},
            "phones": [{"number": "+15125550123", "type": "mobile", "sms_consent": True, "call_consent": True}],
            "emails": [{"address": "ana.ruiz@example.com", "consent": True, "employer_provided": False}],
            "preferences": {
                "channels": ["sms", "email"],
                "blocked_channels": ["voice"],
                "inconvenient_times": [{"days": ["mon", "tue"], "start": "09:00:00", "end": "12:00:00"}],
            },
        },
        "account": {
            "id": ACCOUNT,
            "creditor": "Acme Bank",
            "balance": "1234.56",
            "currency": "USD",
            "days_past_due": 45,
        },
    },
    "payment.missed": {"account_id": ACCOUNT, "amount_due": "150.00", "due_date": "2024-03-01"},
    "payment.received": {"account_id": ACCOUNT, "amount": "150.00", "paid_at": "2024-03-05T16:20:00Z"},
    "promise.created": {"account_id": ACCOUNT, "amount": "200.00", "due_date": "2024-03-15"},
    "promise.broken": {"account_id": ACCOUNT},
    "account.updated": {"account": {"id": ACCOUNT, "balance": "1084.56", "days_past_due": 52}},
    "account.closed": {"account_id": ACCOUNT, "reason": "paid_in_full"},
    "debtor.updated": {"debtor": {"id": DEBTOR, "language": "en", "preferences": {"channels": ["email"]}}},
    "hold.placed": {"account_id": None, "reason": "dispute"},
    "hold.released": {"account_id": None, "reason": "dispute"},
    "conversation.logged": {"account_ids": [ACCOUNT], "channel": "voice", "at": "2024-03-04T14:10:00Z"},
    "provider.status": {
        "channel": "sms",
        "provider_message_id": "SM0123456789abcdef0123456789abcdef",
        "status": "delivered",
        "error_code": None,
        "answered_by": None,
        "duration_s": None,
    },
    "provider.inbound": {
        "channel": "sms",
        "from": "+15125550123",
        "to": "+18885550100",
        "text": "Puedo pagar 200 el viernes",
        "provider_message_id": "SM00aa11bb22cc33dd44ee55ff66778899",
    },
}

_OUTCOME = {
    "send_id": SEND,
    "debtor_id": DEBTOR,
    "account_ids": [ACCOUNT],
    "channel": "sms",
    "provider_message_id": "SM0123456789abcdef0123456789abcdef",
}
_RULES = [{"rule_id": "quiet_hours", "reason": "21:00–08:00 in America/Chicago"}]

OUTPUT_EXAMPLES: dict[str, dict[str, Any]] = {
    "message.scheduled": {
        "send_id": SEND,
        "debtor_id": DEBTOR,
        "account_ids": [ACCOUNT],
        "channel": "best",
        "template_id": "payment_reminder",
        "purpose": "reminder",
        "due_at": "2024-03-07T15:00:00Z",
        "cause_event_id": "evt-placed-1",
        "step_id": "reminder_day3",
    },
    "message.cancelled": {
        "send_id": SEND,
        "debtor_id": DEBTOR,
        "account_ids": [ACCOUNT],
        "reason": "payment.received",
        "cause_event_id": "evt-paid-1",
    },
    "message.suppressed": {
        "send_id": SEND,
        "debtor_id": DEBTOR,
        "account_ids": [ACCOUNT],
        "channel": "sms",
        "rules": [{"rule_id": "opt_out", "reason": "STOP received from +1512•••0123"}],
    },
    "message.rescheduled": {"send_id": SEND, "from": AT, "to": "2024-03-05T14:00:00Z", "rules": _RULES},
    "message.dispatched": {
        "send_id": SEND,
        "debtor_id": DEBTOR,
        "account_ids": [ACCOUNT],
        "channel": "sms",
        "to": "+15125550123",
        "template_id": "payment_reminder",
        "template_version": "3f9c2a1",
        "provider_message_id": "SM0123456789abcdef0123456789abcdef",
        "locale": "es",
    },
    "message.delivered": _OUTCOME,
    "message.failed": {**_OUTCOME, "error_code": "30006", "reason": "landline or unreachable", "retryable": False},
    "message.opened": {**_OUTCOME, "channel": "email"},
    "message.clicked": {**_OUTCOME, "channel": "email", "url": "https://pay.example.com/p/acc-2001"},
    "call.completed": {**_OUTCOME, "channel": "voice", "status": "completed", "answered_by": "human", "duration_s": 95},
    "message.outcome_unknown": {"send_id": SEND, "reason": "worker stopped after the provider call"},
    "reply.received": {
        "reply_id": "evt_rp3x2c4v5b6n7m8k9j0h1g2f3d",
        "debtor_id": DEBTOR,
        "channel": "sms",
        "from": "+15125550123",
        "text": "Puedo pagar 200 el viernes",
        "intent": "promise_to_pay",
        "confidence": 0.91,
        "amount": "200.00",
        "currency": "USD",
        "date": "2024-03-08",
        "cues": ["puedo pagar", "200", "el viernes"],
        "needs_review": False,
        "account_ids": [ACCOUNT],
    },
    "callback.requested": {
        "debtor_id": DEBTOR,
        "requested_at": AT,
        "when": "2024-03-05T22:00:00Z",
        "source": "evt_rp3x2c4v5b6n7m8k9j0h1g2f3d",
        "date": "2024-03-05",
        "time_zone": "America/Chicago",
        "account_ids": [ACCOUNT],
    },
    "payment_intent.detected": {
        "debtor_id": DEBTOR,
        "account_id": ACCOUNT,
        "amount": "200.00",
        "currency": "USD",
        "date": "2024-03-08",
        "confidence": 0.91,
        "source_reply_id": "evt_rp3x2c4v5b6n7m8k9j0h1g2f3d",
    },
    "decision.recorded": {
        "send_id": SEND,
        "debtor_id": DEBTOR,
        "channel": "sms",
        "at": AT,
        "allowed": False,
        "verdicts": [
            {"rule_id": "hold", "allowed": True, "reason": "", "next_allowed_at": None},
            {"rule_id": "quiet_hours", "allowed": False, "reason": _RULES[0]["reason"], "next_allowed_at": AT},
        ],
        "next_allowed_at": AT,
    },
    "dead_letter": {
        "reason": "invalid data for payment.missed: data.amount_due: Field required",
        "error_type": "DecodeError",
        "topic": "account-events",
        "partition": 3,
        "offset": 1042,
        "original": "eyJzcGVjdmVyc2lvbiI6IjEuMCJ9",
        "original_key": "ZGViLTEwMDE=",
        "original_headers": [{"key": "content-type", "value": "YXBwbGljYXRpb24vY2xvdWRldmVudHMranNvbg=="}],
    },
}
