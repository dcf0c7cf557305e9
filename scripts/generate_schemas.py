"""Write the JSON Schemas (one per event type) and the AsyncAPI document from the event models.

    python scripts/generate_schemas.py           # (re)write schemas/
    python scripts/generate_schemas.py --check   # exit 1 when schemas/ is out of date (CI)

The models in ``orchestrator/events.py`` and ``orchestrator/outputs.py`` are the source of truth;
``schemas/`` is their published form for teams that do not read Python.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from event_examples import INBOUND_EXAMPLES, OUTPUT_EXAMPLES  # noqa: E402

from orchestrator.codec import STRUCTURED_CONTENT_TYPE, decode_inbound, encode_output  # noqa: E402
from orchestrator.events import (  # noqa: E402
    ACCOUNT_EVENT_TYPES,
    INBOUND_EVENT_TYPES,
    KEY_SEPARATOR,
    PROVIDER_EVENT_TYPES,
)
from orchestrator.limits import ID_LENGTH, SOURCE_LENGTH  # noqa: E402
from orchestrator.outputs import (  # noqa: E402
    ACCOUNT_EVENTS,
    OUTPUT_EVENT_TYPES,
    OUTPUT_TOPICS,
    PROVIDER_EVENTS,
    OutputEvent,
)

SCHEMAS = ROOT / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"
CONTRACT_VERSION = "1.0.0"
EXAMPLE_TIME = "2024-03-04T15:00:00Z"

DEBTOR_KEY = "The debtor id (CloudEvent subject)."
KAFKA_KEYS = {  # the events not keyed by their debtor id (consumers/runtime.py, orchestrator/codec.py)
    "provider.status": "The provider message id (data.provider_message_id), so one message's callbacks stay in order.",
    "provider.inbound": "The sender (data.from), so one sender's messages stay in order.",
    "dead_letter": "The rejected record's key when it is text (then also the subject); none otherwise.",
}

TOPIC_DESCRIPTIONS = {
    ACCOUNT_EVENTS: "Account events from upstream systems (servicing, collections platforms).",
    PROVIDER_EVENTS: "Provider status callbacks and inbound messages, produced by Parley's own webhooks.",
    "delivery-events": "What happened to every planned send: scheduled, cancelled, suppressed, dispatched, outcomes.",
    "reply-events": "Debtor replies with their classified intent, and callback requests.",
    "payment-intents": "Payment intents detected in replies (account, amount, currency, date, source reply).",
    "decisions": "The compliance audit trail: one record per decision with every rule's verdict.",
    "dead-letters": "Rejected input records, verbatim (base64), with the reason.",
}


def _envelope(event_type: str, data_model: type[BaseModel], *, subject_required: bool, output: bool) -> type[BaseModel]:
    """The CloudEvent around ``data_model`` as a model, so pydantic writes the whole schema. An inbound
    event's ``id``, ``source`` and ``subject`` carry the bounds the decoder holds them to."""
    bounded: dict[str, Any] = {}
    if not output:
        bounded = {"pattern": f"^[^{KEY_SEPARATOR}]+$", "maxLength": ID_LENGTH}
    subject: Any = (str, Field(min_length=1, description="The debtor id; also the Kafka key.", **_extra(bounded)))
    if not subject_required:
        subject = (str | None, Field(None, description=_optional_subject(event_type), **_extra(bounded)))
    id_bound = _extra({} if output else {"maxLength": ID_LENGTH})
    source_bound = _extra({} if output else {"maxLength": SOURCE_LENGTH})
    content_type: Any = (Literal["application/json"], "application/json")
    if not output:
        content_type = (Literal["application/json"] | None, None)
    return create_model(  # type: ignore[call-overload, no-any-return]
        data_model.__name__ + "Event",
        __config__=ConfigDict(title=event_type, extra="allow" if not output else "forbid"),
        __doc__=(data_model.__doc__ or "").strip() or None,
        specversion=(Literal["1.0"], Field(description="CloudEvents version.")),
        id=(str, Field(min_length=1, description="Unique per source; consumers de-duplicate on it.", **id_bound)),
        source=(str, Field(min_length=1, description="URI-reference of the producer.", **source_bound)),
        type=(Literal[event_type], Field(description="The event type.")),  # type: ignore[valid-type]
        subject=subject,
        time=(AwareDatetime, Field(description="When it happened (RFC 3339).")),
        datacontenttype=content_type,
        data=(data_model, ...),
    )


def _extra(schema: dict[str, Any]) -> dict[str, Any]:
    """``Field`` keywords adding ``schema`` to a field's JSON Schema (none when it is empty)."""
    return {"json_schema_extra": schema} if schema else {}


def _optional_subject(event_type: str) -> str:
    """The subject of an event that may lack one: a dead letter, or a provider event, keyed otherwise."""
    if event_type == "dead_letter":
        return "The rejected record's key when it is text (the debtor id, for an account event); also the Kafka key."
    key = KAFKA_KEYS[event_type]
    not_the_key = "Not the Kafka key, which is " + key[:1].lower() + key[1:]
    return f"The debtor id, when the provider's callback carried it. {not_the_key}"


def _example_record(event_type: str, data: dict[str, Any], *, output: bool) -> dict[str, Any]:
    subject = None if event_type.startswith("provider.") else "deb-1001"
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"example-{event_type}",
        "source": "urn:parley" if output else "urn:acme:servicing",
        "type": event_type,
        "subject": subject,
        "time": EXAMPLE_TIME,
        "datacontenttype": "application/json",
        "data": data,
    }
    if subject is None and not output:
        del envelope["subject"]
    if output:  # round-trip through the real encoder so the example is exactly what Parley writes
        _, value, _ = encode_output(OutputEvent.model_validate(envelope))
    else:
        value = json.dumps(envelope).encode()
        decode_inbound(value, (), topic=None)
    decoded: dict[str, Any] = json.loads(value)
    return decoded


def _schema(event_type: str, data_model: type[BaseModel], *, output: bool) -> dict[str, Any]:
    subject_required = event_type != "dead_letter" if output else event_type in ACCOUNT_EVENT_TYPES
    model = _envelope(event_type, data_model, subject_required=subject_required, output=output)
    body = model.model_json_schema(mode="serialization" if output else "validation")
    examples = OUTPUT_EXAMPLES if output else INBOUND_EXAMPLES
    return {
        "$schema": DRAFT,
        "$id": f"{event_type}.json",
        **body,
        "examples": [_example_record(event_type, examples[event_type], output=output)],
    }


def build() -> dict[str, str]:
    """Every generated file: relative path → text."""
    files: dict[str, str] = {}
    for event_type, data_model in INBOUND_EVENT_TYPES.items():
        files[f"{event_type}.json"] = _dump_json(_schema(event_type, data_model, output=False))
    for event_type, output_model in OUTPUT_EVENT_TYPES.items():
        files[f"{event_type}.json"] = _dump_json(_schema(event_type, output_model, output=True))
    files["asyncapi.yaml"] = yaml.safe_dump(_asyncapi(), sort_keys=False, allow_unicode=True, width=110)
    return files


def _dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _asyncapi() -> dict[str, Any]:
    topics: dict[str, list[str]] = {
        ACCOUNT_EVENTS: list(ACCOUNT_EVENT_TYPES),
        PROVIDER_EVENTS: list(PROVIDER_EVENT_TYPES),
    }
    for event_type, topic in OUTPUT_TOPICS.items():
        topics.setdefault(topic, []).append(event_type)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic, types in topics.items():
        channels[topic] = {
            "address": topic,
            "description": TOPIC_DESCRIPTIONS[topic] + " Topic names carry the deployment's PARLEY_TOPIC_PREFIX.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in types},
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
        }
        inbound = topic in (ACCOUNT_EVENTS, PROVIDER_EVENTS)
        operation_id = ("receive_" if inbound else "send_") + topic.replace("-", "_")
        operations[operation_id] = {
            "action": "receive" if inbound else "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": ("Parley consumes " if inbound else "Parley publishes ") + topic + ".",
            "messages": [{"$ref": f"#/channels/{topic}/messages/{name}"} for name in types],
        }
    messages: dict[str, Any] = {}
    for event_type, model in {**INBOUND_EVENT_TYPES, **OUTPUT_EVENT_TYPES}.items():
        doc = (model.__doc__ or "").strip().splitlines()
        messages[event_type] = {
            "name": event_type,
            "title": event_type,
            "summary": doc[0] if doc else f"The {event_type} CloudEvent.",
            "contentType": STRUCTURED_CONTENT_TYPE,
            "payload": {"$ref": f"./{event_type}.json"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": KAFKA_KEYS.get(event_type, DEBTOR_KEY)},
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Parley events",
            "version": CONTRACT_VERSION,
            "description": (
                "The topics Parley consumes and publishes. Every message is a CloudEvent 1.0 in structured JSON"
                " mode (inbound topics also accept binary mode: ce_* headers, the value is the data). The Kafka"
                " key is the debtor id, so one debtor's events stay ordered; provider events are keyed by provider"
                " message id or sender, dead letters by the rejected record's key. See docs/events.md."
            ),
        },
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "Set by PARLEY_KAFKA_URL in each deployment.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if schemas/ differs from the models")
    args = parser.parse_args(argv)
    files = build()
    on_disk = {path.name for path in SCHEMAS.glob("*") if path.suffix in (".json", ".yaml")}
    stale = sorted(on_disk - set(files))
    changed = sorted(
        name for name, text in files.items() if not (SCHEMAS / name).exists() or (SCHEMAS / name).read_text() != text
    )
    if args.check:
        if changed or stale:
            print(f"schemas/ is out of date: changed {changed}, not generated {stale}.", file=sys.stderr)
            print("Run: python scripts/generate_schemas.py", file=sys.stderr)
            return 1
        print(f"schemas/ is up to date ({len(files)} files).")
        return 0
    SCHEMAS.mkdir(exist_ok=True)
    for name in changed:
        (SCHEMAS / name).write_text(files[name])
    for name in stale:
        (SCHEMAS / name).unlink()
    print(f"wrote {len(changed)} of {len(files)} files, removed {len(stale)} stale ones, in {SCHEMAS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
