"""Response bodies shaped like the real APIs' (Twilio's 201 examples in twilio_api_v2010.json)."""

from __future__ import annotations

import secrets
from email.utils import formatdate
from typing import Any

TWILIO_ERROR_MESSAGES = {
    "20003": "Authenticate",
    "20429": "Too Many Requests",
    "20500": "Internal Server Error",
    "21211": "Invalid 'To' Phone Number",
    "21602": "Message body is required.",
    "21603": "A 'From' phone number is required.",
    "21604": "A 'To' phone number is required.",
    "21610": "Attempt to send to unsubscribed recipient",
    "21614": "'To' number is not a valid mobile number",
    "21635": "'To' number cannot be a landline",
}


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def sendgrid_message_id() -> str:
    return secrets.token_urlsafe(16)[:22]


def twilio_error(code: str, status: int) -> dict[str, Any]:
    return {
        "code": int(code) if code.isdigit() else code,
        "message": TWILIO_ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def message_resource(account_sid: str, sid: str, form: dict[str, str]) -> dict[str, Any]:
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": form.get("To"),
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
    }


def call_resource(account_sid: str, sid: str, form: dict[str, str], status: str = "queued") -> dict[str, Any]:
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    return {
        "account_sid": account_sid,
        "answered_by": None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": now,
        "date_updated": now,
        "direction": "outbound-api",
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": form.get("From"),
        "from_formatted": form.get("From"),
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "start_time": None,
        "status": status,
        "subresource_uris": {},
        "to": form.get("To"),
        "to_formatted": form.get("To"),
        "trunk_sid": None,
        "uri": f"/2010-04-01/Accounts/{account_sid}/Calls/{sid}.json",
        "queue_time": "0",
    }


def twilio_page(key: str, path: str, items: list[dict[str, Any]], page_size: int) -> dict[str, Any]:
    """One page of a Twilio list response (the only page: no ``next_page_uri``)."""
    uri = path.removeprefix("/twilio")
    return {
        key: items,
        "end": max(len(items) - 1, 0),
        "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
        "next_page_uri": None,
        "page": 0,
        "page_size": page_size,
        "previous_page_uri": None,
        "start": 0,
        "uri": f"{uri}?PageSize={page_size}&Page=0",
    }
