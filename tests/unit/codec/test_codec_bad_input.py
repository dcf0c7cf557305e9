"""Records that used to crash the worker after (or while) decoding are dead letters with a reason:
parse failures beyond bad JSON, ids a key cannot hold, lone surrogates, empty addresses, huge lists,
dead letters of large records, and anything unexpected while a consumed record is decoded."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from consumers import records
from consumers.records import ConsumedRecord
from orchestrator.codec import DecodeError, dead_letter, decode_inbound, encode_output
from orchestrator.outputs import DeadLetter
from tests.unit.codec.test_codec_decode import PLACED_DATA

NOW = datetime(2024, 3, 4, 15, tzinfo=UTC)
PRODUCER_MAX_REQUEST_SIZE = 1_000_000


def envelope(event_type: str = "account.placed", data: Any = None, subject: str | None = "deb-1") -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:acme:servicing",
        "type": event_type,
        "time": "2024-03-04T15:00:00Z",
        "data": copy.deepcopy(PLACED_DATA) if data is None else data,
    }
    if subject is not None:
        event["subject"] = subject
    return event


def encoded(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def reason_for(value: bytes, topic: str | None = None) -> str:
    with pytest.raises(DecodeError) as caught:
        decode_inbound(value, (), topic=topic)
    return caught.value.reason


# --- parse failures -------------------------------------------------------------------------


def test_json_nested_too_deeply_is_a_decode_error() -> None:
    assert "nested too deeply" in reason_for(b"[" * 100_000 + b"]" * 100_000)


def test_a_number_with_too_many_digits_is_a_decode_error() -> None:
    value = b'{"specversion":"1.0","id":' + b"1" * 5000 + b"}"
    assert "not valid JSON" in reason_for(value)


def test_a_too_deep_data_base64_is_a_decode_error() -> None:
    event = envelope()
    del event["data"]
    event["data_base64"] = base64.b64encode(b"[" * 100_000 + b"]" * 100_000).decode()
    assert "nested too deeply" in reason_for(encoded(event))


@pytest.mark.parametrize(
    "event",
    [
        envelope(subject="deb-\ud800"),
        envelope("payment.missed", {"account_id": "acc-\udfff", "amount_due": "5.00", "due_date": "2024-03-01"}),
        envelope(
            "provider.inbound",
            {"channel": "sms", "from": "+15125550123", "to": "+15005550006", "text": "I will pay \ud800 tomorrow"},
            subject=None,
        ),
    ],
    ids=["subject", "account_id", "inbound-text"],
)
def test_a_lone_surrogate_anywhere_is_a_decode_error(event: dict[str, Any]) -> None:
    assert "lone surrogate" in reason_for(encoded(event))


@pytest.mark.parametrize(
    "spelled",
    [
        lambda event: json.dumps(event, ensure_ascii=False).encode("utf-8", "surrogatepass"),  # ED A0 80 bytes
        lambda event: json.dumps(event, ensure_ascii=False).encode("utf-16", "surrogatepass"),
    ],
    ids=["surrogate-as-utf8-bytes", "utf-16-text"],
)
def test_a_lone_surrogate_not_written_as_an_escape_is_a_decode_error_too(spelled: Any) -> None:
    assert "lone surrogate" in reason_for(spelled(envelope(subject="deb-\ud800")))


def test_a_surrogate_pair_is_a_character_and_decodes() -> None:
    event = envelope(
        "provider.inbound",
        {"channel": "sms", "from": "+15125550123", "to": "+15005550006", "text": "ok \U0001f600"},
        subject=None,
    )
    value = json.dumps(event, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in value
    assert decode_inbound(value).data.text == "ok \U0001f600"  # type: ignore[union-attr]


# --- ids and addresses that later steps refuse ----------------------------------------------


def _placed_with(**debtor: Any) -> dict[str, Any]:
    event = envelope()
    event["data"]["debtor"].update(debtor)
    return event


def test_a_debtor_id_with_the_key_separator_is_a_decode_error() -> None:
    event = _placed_with(id="deb|1")
    event["subject"] = "deb|1"
    assert "'|'" in reason_for(encoded(event))


def test_a_subject_with_the_key_separator_is_a_decode_error() -> None:
    event = envelope("payment.missed", {"account_id": "acc-1", "amount_due": "5.00", "due_date": "2024-03-01"})
    event["subject"] = "deb|1"
    assert "subject" in reason_for(encoded(event))


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("payment.missed", {"account_id": "a|1", "amount_due": "5.00", "due_date": "2024-03-01"}),
        ("payment.missed", {"account_id": "", "amount_due": "5.00", "due_date": "2024-03-01"}),
        ("promise.broken", {"account_id": "a|1"}),
        ("account.closed", {"account_id": ""}),
        ("hold.placed", {"account_id": "a|1", "reason": "dispute"}),
        ("account.updated", {"account": {"id": "a|1"}}),
        ("conversation.logged", {"account_ids": ["acc-1", "a|2"], "at": "2024-03-04T15:00:00Z"}),
        ("debtor.updated", {"debtor": {"id": ""}}),
    ],
)
def test_account_and_debtor_ids_must_be_non_empty_and_free_of_the_separator(
    event_type: str, data: dict[str, Any]
) -> None:
    assert "invalid data" in reason_for(encoded(envelope(event_type, data)))


def test_an_account_id_with_the_separator_in_account_placed_is_a_decode_error() -> None:
    event = envelope()
    event["data"]["account"]["id"] = "acc|1"
    assert "data.account.id" in reason_for(encoded(event))


def test_an_empty_email_address_is_a_decode_error() -> None:
    assert "data.debtor.emails[0].address" in reason_for(encoded(_placed_with(emails=[{"address": ""}])))


def test_an_empty_email_address_in_a_debtor_update_is_a_decode_error() -> None:
    event = envelope("debtor.updated", {"debtor": {"emails": [{"address": ""}]}})
    assert "data.debtor.emails[0].address" in reason_for(encoded(event))


# --- list sizes ---------------------------------------------------------------------------


def _phones(n: int) -> list[dict[str, Any]]:
    return [{"number": f"+1512555{i:04d}", "sms_consent": True} for i in range(n)]


@pytest.mark.parametrize(
    ("debtor", "path"),
    [
        ({"phones": _phones(11)}, "data.debtor.phones"),
        ({"emails": [{"address": f"a{i}@example.com"} for i in range(11)]}, "data.debtor.emails"),
        ({"opt_outs": [{"channel": "email"}] * 51}, "data.debtor.opt_outs"),
        (
            {"preferences": {"inconvenient_times": [{"days": ["mon"], "start": "09:00", "end": "10:00"}] * 51}},
            "data.debtor.preferences.inconvenient_times",
        ),
    ],
)
def test_a_profile_with_too_many_entries_is_a_decode_error(debtor: dict[str, Any], path: str) -> None:
    assert path in reason_for(encoded(_placed_with(**debtor)))
    patch = envelope("debtor.updated", {"debtor": debtor})
    assert path in reason_for(encoded(patch))


def test_a_profile_at_the_limits_decodes() -> None:
    event = _placed_with(
        phones=_phones(10),
        emails=[{"address": f"a{i}@example.com"} for i in range(10)],
        opt_outs=[{"channel": "email"}] * 50,
        preferences={"inconvenient_times": [{"days": ["mon"], "start": "09:00", "end": "10:00"}] * 50},
    )
    assert len(decode_inbound(encoded(event)).data.debtor.phones) == 10  # type: ignore[union-attr]


def test_twenty_thousand_phones_are_refused_without_reading_them() -> None:
    reason = reason_for(encoded(_placed_with(phones=_phones(20_000))))
    assert "at most 10" in reason


def test_a_conversation_naming_too_many_accounts_is_a_decode_error() -> None:
    data = {"account_ids": [f"acc-{i}" for i in range(101)], "at": "2024-03-04T15:00:00Z"}
    assert "data.account_ids" in reason_for(encoded(envelope("conversation.logged", data)))
    data["account_ids"] = data["account_ids"][:100]
    assert decode_inbound(encoded(envelope("conversation.logged", data))).type == "conversation.logged"


def test_stored_profiles_beyond_the_limits_stay_readable() -> None:
    from orchestrator.events import STORED_PROFILE, DebtorProfile

    stored = {"id": "deb-1", "name": {"first": "A"}, "phones": _phones(12), "emails": [{"address": ""}]}
    profile = DebtorProfile.model_validate(stored, context={STORED_PROFILE: True})
    assert len(profile.phones) == 12


@pytest.mark.parametrize(
    ("schema", "path", "limit"),
    [
        ("account.placed", ("debtor", "phones"), 10),
        ("account.placed", ("debtor", "emails"), 10),
        ("account.placed", ("debtor", "opt_outs"), 50),
        ("debtor.updated", ("debtor", "phones"), 10),
        ("conversation.logged", ("account_ids",), 100),
    ],
)
def test_the_limits_are_in_the_published_schemas(schema: str, path: tuple[str, ...], limit: int) -> None:
    from pathlib import Path

    document = json.loads((Path(__file__).parents[3] / "schemas" / f"{schema}.json").read_text())
    text = json.dumps(document)
    assert f'"maxItems": {limit}' in text


# --- dead letters of large records ----------------------------------------------------------


def test_a_small_record_is_carried_whole_in_its_dead_letter() -> None:
    raw = b'\xff{"not": json'
    data = dead_letter(raw, (), "bad", "account-events", 0, 1, NOW).data
    assert isinstance(data, DeadLetter)
    assert base64.b64decode(data.original) == raw
    assert data.truncated is False
    assert data.original_length == len(raw)
    assert data.original_sha256 == hashlib.sha256(raw).hexdigest()


def test_a_large_record_s_dead_letter_fits_the_producer_limit_and_names_the_whole() -> None:
    value = b'{"specversion":"1.0","id":"x","note":"' + b"A" * 760_000 + b'"'
    reason = reason_for(value)
    letter = dead_letter(value, [("content-type", b"application/json")], reason, "account-events", 0, 42, NOW)
    _, encoded_value, _ = encode_output(letter)
    assert len(encoded_value) < PRODUCER_MAX_REQUEST_SIZE
    data = letter.data
    assert isinstance(data, DeadLetter)
    assert data.truncated is True
    assert data.original_length == len(value)
    assert data.original_sha256 == hashlib.sha256(value).hexdigest()
    carried = base64.b64decode(data.original)
    assert value.startswith(carried) and len(carried) == 512 * 1024


def test_a_record_at_the_producer_limit_still_gives_a_publishable_dead_letter() -> None:
    value = b"x" * PRODUCER_MAX_REQUEST_SIZE
    headers = [("h", b"y" * 1000)]
    letter = dead_letter(value, headers, "r" * 1000, "account-events", 0, 1, NOW, key=b"k" * 200)
    assert len(encode_output(letter)[1]) < PRODUCER_MAX_REQUEST_SIZE


# --- the consumed record --------------------------------------------------------------------


def _consumed(value: bytes, key: bytes | None = b"deb-1") -> Any:
    message = SimpleNamespace(value=value, headers=[], key=key, partition=2, offset=7, topic="account-events")
    return SimpleNamespace(message=message)


def test_a_consumed_record_nested_too_deeply_becomes_a_dead_letter() -> None:
    record = ConsumedRecord.decode(_consumed(b"[" * 100_000 + b"]" * 100_000), "account-events")
    assert record.inbound is None and record.error is not None
    (letter,) = record.dead("account-events", record.error, NOW)
    assert letter.type == "dead_letter"
    assert "nested too deeply" in letter.data.reason  # type: ignore[union-attr]


def test_an_unexpected_error_while_decoding_becomes_a_dead_letter_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(records, "decode_inbound", explode)
    record = ConsumedRecord.decode(_consumed(b"{}"), "account-events")
    assert record.inbound is None and record.error is not None
    (letter,) = record.dead("account-events", record.error, NOW)
    assert "RuntimeError" in letter.data.reason and "boom" in letter.data.reason  # type: ignore[union-attr]
    assert record.owner == b"deb-1"


def test_a_consumed_account_with_an_unknown_currency_becomes_a_dead_letter_naming_the_field() -> None:
    event = envelope()
    event["data"]["account"]["currency"] = "XYZ"
    record = ConsumedRecord.decode(_consumed(encoded(event)), "account-events")
    assert record.inbound is None and record.error is not None
    (letter,) = record.dead("account-events", record.error, NOW)
    assert letter.type == "dead_letter"
    assert "data.account.currency" in letter.data.reason and "XYZ" in letter.data.reason  # type: ignore[union-attr]
