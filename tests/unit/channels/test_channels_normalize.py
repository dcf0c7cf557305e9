"""Provider webhook payloads as Parley's ``provider.status`` events (channels/webhooks/normalize.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from channels.webhooks import normalize
from orchestrator.events import ProviderStatus

NOW = datetime(2026, 3, 16, 14, tzinfo=UTC)
SID = "CA" + "0" * 32


def sendgrid(event: str, **fields: Any) -> ProviderStatus:
    payload = {"event": event, "sg_message_id": "msg-1.filter0001", "sg_event_id": "ev-1", "email": "a@example.test"}
    data = normalize.sendgrid_event(payload | fields, NOW).data
    assert isinstance(data, ProviderStatus)
    return data


def test_a_click_event_carries_the_clicked_url() -> None:
    data = sendgrid("click", url="https://pay.example.com/p/acc-1", useragent="Mozilla/5.0", ip="203.0.113.7")
    assert (data.status, data.url) == ("click", "https://pay.example.com/p/acc-1")
    assert sendgrid("open").url is None and sendgrid("delivered", url="https://x.test").url is None


def test_bounces_drops_and_blocks_keep_what_the_core_needs_to_judge_the_address() -> None:
    hard = sendgrid("bounce", type="bounce", status="5.1.1", reason="550 5.1.1 user unknown")
    blocked = sendgrid("bounce", type="blocked", status="5.7.1", reason="550 5.7.1 rejected")
    dropped = sendgrid("dropped", reason="Unsubscribed Address")
    assert [(d.status, d.error_code) for d in (hard, blocked, dropped)] == [
        ("bounce", "5.1.1"),
        ("blocked", "5.7.1"),
        ("dropped", "Unsubscribed Address"),
    ]


def test_with_async_amd_the_answer_comes_only_with_the_amd_callback() -> None:
    amd = normalize.twilio_amd_result({"CallSid": SID, "AnsweredBy": "machine_end_beep"}, NOW).data
    final = normalize.twilio_call_status({"CallSid": SID, "CallStatus": "completed", "CallDuration": "45"}, NOW).data
    assert isinstance(amd, ProviderStatus) and isinstance(final, ProviderStatus)
    assert (amd.status, amd.answered_by) == ("answered", "machine_end_beep")
    assert (final.status, final.answered_by, final.duration_s) == ("completed", None, 45)


def test_a_call_that_did_not_connect_carries_its_sip_response_code() -> None:
    codes = {
        status: normalize.twilio_call_status({"CallSid": SID, "CallStatus": status, "SipResponseCode": code}, NOW).data
        for status, code in (("busy", "486"), ("no-answer", "487"), ("failed", "404"), ("completed", "200"))
    }
    assert {status: data.error_code for status, data in codes.items()} == {  # type: ignore[union-attr]
        "busy": "486",
        "no-answer": "487",
        "failed": "404",
        "completed": None,
    }
