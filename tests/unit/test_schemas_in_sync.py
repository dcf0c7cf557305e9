"""schemas/ is the published form of the event models: in sync, valid, and matching what Parley writes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import AwareDatetime

from orchestrator.codec import dead_letter, encode_output
from orchestrator.events import INBOUND_EVENT_TYPES
from orchestrator.outputs import OUTPUT_EVENT_TYPES, MessageCancelled, new_output

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
ALL_TYPES = sorted({*INBOUND_EVENT_TYPES, *OUTPUT_EVENT_TYPES})


def schema_of(event_type: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMAS / f"{event_type}.json").read_text())
    return document


def test_the_checked_in_schemas_match_the_models() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/generate_schemas.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_each_schema_is_valid_and_accepts_its_own_example(event_type: str) -> None:
    schema = schema_of(event_type)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert schema["examples"], "every schema shows an example"
    for example in schema["examples"]:
        validator.validate(example)
    wrong_type = {**schema["examples"][0], "type": "something.else"}
    assert not validator.is_valid(wrong_type)


def test_what_parley_publishes_validates_against_the_published_schema() -> None:
    now = datetime(2024, 3, 4, 15, tzinfo=UTC)
    cancelled = MessageCancelled(
        send_id="s", debtor_id="d", account_ids=("a",), reason="payment.received", cause_event_id="e"
    )
    for event in (
        new_output(cancelled, subject="d", time=now, id_parts=("s",)),
        dead_letter(b"\x00\x01", [("h", b"v")], "bad JSON", "account-events", 1, 2, now),
    ):
        value = encode_output(event)[1]
        Draft202012Validator(schema_of(event.type)).validate(json.loads(value))


def test_the_asyncapi_document_lists_every_topic_and_references_existing_schemas() -> None:
    document = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    assert document["asyncapi"].startswith("3.")
    assert set(document["channels"]) == {
        "account-events",
        "provider-events",
        "delivery-events",
        "reply-events",
        "payment-intents",
        "decisions",
        "dead-letters",
    }
    messages = document["components"]["messages"]
    assert set(messages) == set(ALL_TYPES)
    for name, message in messages.items():
        assert (SCHEMAS / message["payload"]["$ref"]).is_file(), name
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
    for channel in document["channels"].values():
        for reference in channel["messages"].values():
            assert reference["$ref"].removeprefix("#/components/messages/") in messages
    for operation in document["operations"].values():
        channel_name = operation["channel"]["$ref"].removeprefix("#/channels/")
        assert channel_name in document["channels"]


@pytest.mark.parametrize(
    ("event_type", "key"), [("provider.status", "provider_message_id"), ("provider.inbound", "from")]
)
def test_a_provider_event_is_described_with_its_real_kafka_key(event_type: str, key: str) -> None:
    """The webhooks key provider events by provider message id or sender (channels/webhooks, consumers/runtime),
    never by the subject, which is the debtor id only when the callback named one."""
    subject = schema_of(event_type)["properties"]["subject"]["description"]
    assert "also the Kafka key" not in subject and key in subject
    document = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    described_key = document["components"]["messages"][event_type]["bindings"]["kafka"]["key"]["description"]
    assert "debtor id" not in described_key and key in described_key


@pytest.mark.parametrize("event_type", sorted(INBOUND_EVENT_TYPES))
def test_every_instant_in_inbound_data_is_published_as_an_rfc_3339_date_time(event_type: str) -> None:
    """The models read instants as RFC 3339 only (orchestrator/rfc3339.py); JSON Schema's date-time is that."""
    schema = schema_of(event_type)
    assert schema["properties"]["time"]["format"] == "date-time"
    model = INBOUND_EVENT_TYPES[event_type]
    data = schema["$defs"][model.__name__]["properties"]
    for name, field in model.model_fields.items():
        if field.annotation is AwareDatetime:
            assert data[name]["format"] == "date-time", name
