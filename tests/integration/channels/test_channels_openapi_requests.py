"""What the adapters send validates against the providers' official OpenAPI request schemas.

Spec defect worked around (docs/providers.md): SendGrid's top-level ``custom_args`` is typed
``string`` although the API and the SDK use an object of strings (as ``personalizations[].custom_args``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from openapi_schema_validator import OAS30Validator

from channels.emulators import ProviderEmulator
from channels.sendgrid_email import SendGridEmailChannel
from channels.twilio_sms import TwilioSmsChannel
from channels.twilio_voice import TwilioVoiceChannel
from orchestrator.outbound import OutboundMessage

SPECS = Path("/work/shared/provider-specs")
TWILIO_PATHS = {
    "message": "/2010-04-01/Accounts/{AccountSid}/Messages.json",
    "call": "/2010-04-01/Accounts/{AccountSid}/Calls.json",
}


@cache
def _twilio_spec() -> dict[str, Any]:
    return json.loads((SPECS / "twilio-oai" / "twilio_api_v2010.json").read_text())


def _twilio_form_schema(kind: str) -> dict[str, Any]:
    operation = _twilio_spec()["paths"][TWILIO_PATHS[kind]]["post"]
    return operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]


def _typed_form(pairs: list[tuple[str, str]], schema: dict[str, Any]) -> dict[str, Any]:
    """A form body as the schema types it: repeated keys → arrays, "true" → booleans, digits → integers."""
    typed: dict[str, Any] = {}
    for key, value in pairs:
        kind = schema["properties"].get(key, {}).get("type", "string")
        if kind == "array":
            typed.setdefault(key, []).append(value)
        elif kind == "boolean":
            typed[key] = {"true": True, "false": False}.get(value, value)
        elif kind == "integer":
            typed[key] = int(value) if value.lstrip("-").isdigit() else value
        else:
            typed[key] = value
    return typed


def _sendgrid_body_schema() -> dict[str, Any]:
    spec = json.loads((SPECS / "sendgrid-oai" / "tsg_mail_v3.json").read_text())
    schema = copy.deepcopy(spec["components"]["requestBodies"]["PostMailSend"]["content"]["application/json"]["schema"])
    # Spec defect: top-level custom_args is declared a string; the API takes an object of strings.
    schema["properties"]["custom_args"] = {"type": "object", "additionalProperties": {"type": "string"}}
    return {**schema, "components": spec["components"]}


def _message(channel: str, to: str) -> OutboundMessage:
    return OutboundMessage(
        send_id=f"send-{channel}",
        channel=channel,
        to=to,
        body="Hi Jane, please pay here: https://pay.example.com/p/x",  # type: ignore[arg-type]
        debtor_id="d-1",
        template_id="reminder",
        subject="Your account",
        html="<p>Hi Jane</p>",
        voicemail="This is Alex from Parley Services, please call 800 555 0100.",
        payment_link="https://pay.example.com/p/x",
    )


async def test_twilio_message_and_call_requests_match_the_create_schemas(emulator: ProviderEmulator) -> None:
    base = "https://hooks.example.com"
    sms = TwilioSmsChannel(emulator.account_sid, emulator.auth_token, "+18005550100", base, emulator.twilio_base_url, 2)
    voice = TwilioVoiceChannel(
        emulator.account_sid, emulator.auth_token, "+18005550100", base, emulator.twilio_base_url, 2
    )
    await sms.send(_message("sms", "+15005550006"))
    await voice.send(_message("voice", "+15005550006"))
    await sms.close()
    await voice.close()
    recorded = {r.kind: r for r in emulator.requests}
    assert set(recorded) == {"message", "call"}
    for kind, request in recorded.items():
        schema = _twilio_form_schema(kind)
        body = _typed_form(request.form, schema)
        OAS30Validator(schema).validate(body)
        assert set(body) <= set(schema["properties"]), f"{kind} sends keys the spec does not declare"
    assert recorded["call"].form.count(("StatusCallbackEvent", "completed")) == 1
    assert dict(recorded["call"].form)["MachineDetection"] == "DetectMessageEnd"


async def test_sendgrid_mail_send_bodies_match_the_spec_apart_from_its_custom_args_defect(
    emulator: ProviderEmulator,
) -> None:
    email = SendGridEmailChannel(
        emulator.api_key, "billing@example.com", "https://example.com/u", emulator.sendgrid_host, 2, open_tracking=True
    )
    await email.send(_message("email", "jane.doe@example.test"))
    await email.close()
    (request,) = emulator.requests
    body = request.json
    Draft202012Validator(_sendgrid_body_schema()).validate(body)
    assert body["custom_args"] == {"parley_send_id": "send-email", "parley_debtor_id": "d-1"}
    assert body["headers"]["List-Unsubscribe"] == "<https://example.com/u?s=send-email>"
    assert body["tracking_settings"]["open_tracking"] == {"enable": True}
    unpatched = json.loads((SPECS / "sendgrid-oai" / "tsg_mail_v3.json").read_text())["components"]
    raw_schema = unpatched["requestBodies"]["PostMailSend"]["content"]["application/json"]["schema"]
    assert not Draft202012Validator({**raw_schema, "components": unpatched}).is_valid(body), "the defect is still there"
