"""The emulator server: Twilio under ``/twilio``, SendGrid under ``/sendgrid``, admin under ``/_admin``.

Point the SDKs at it with ``client.api.base_url = emulator.twilio_base_url`` and
``SendGridAPIClient(host=emulator.sendgrid_host)`` (Parley: ``PARLEY_TWILIO_API_BASE_URL`` and
``PARLEY_SENDGRID_API_HOST``). Behaviour per destination comes from
``channels.special_destinations`` (plus overrides set in code or via ``POST /_admin/scenarios``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import socket
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from channels.emulators import responses
from channels.emulators.callbacks import CallbackSender
from channels.logsafe import mask_destination
from channels.special_destinations import Scenario, scenario_for

log = logging.getLogger("parley.channels.emulators")

TWILIO_PREFIX = "/twilio/2010-04-01/Accounts/{account_sid}"


@dataclass
class RecordedRequest:
    """One API request the emulator received (also the ones it refused)."""

    provider: str
    kind: str
    path: str
    headers: dict[str, str]
    send_id: str | None
    destination: str
    status: int
    provider_id: str | None = None
    resource: dict[str, Any] | None = None  # the resource a 2xx created (listed by the Twilio list APIs)
    form: list[tuple[str, str]] = field(default_factory=list)
    json: Any = None
    at: float = field(default_factory=time.time)


def _send_id_from_url(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("send_id")
    return values[0] if values else None


class ProviderEmulator:
    """Twilio Messages/Calls and SendGrid mail/send on one loopback port."""

    def __init__(
        self,
        twilio_account_sid: str = "AC" + "0" * 32,
        twilio_auth_token: str = "emulator-twilio-token",
        sendgrid_api_key: str = "SG.emulator-key.emulator-secret",
        host: str = "127.0.0.1",
        port: int = 0,
        callback_delay_s: float = 0.02,
        sendgrid_event_url: str = "",
        sendgrid_inbound_url: str = "",
        twilio_inbound_url: str = "",
        scenarios: dict[str, Scenario] | None = None,
        hang_s: float = 30.0,
    ) -> None:
        self.account_sid = twilio_account_sid
        self.auth_token = twilio_auth_token
        self.api_key = sendgrid_api_key
        self.host, self.port = host, port
        self.sendgrid_event_url = sendgrid_event_url
        self.sendgrid_inbound_url = sendgrid_inbound_url
        self.twilio_inbound_url = twilio_inbound_url
        self.scenarios = dict(scenarios or {})
        self.hang_s = hang_s
        self.event_key = ec.generate_private_key(ec.SECP256R1())
        self.callbacks = CallbackSender(twilio_account_sid, twilio_auth_token, self.event_key, callback_delay_s)
        self.requests: list[RecordedRequest] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- what tests and demos read ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def twilio_base_url(self) -> str:
        return self.base_url + "/twilio"

    @property
    def sendgrid_host(self) -> str:
        return self.base_url + "/sendgrid"

    @property
    def sendgrid_public_key(self) -> str:
        """The Event Webhook verification key, as SendGrid's console shows it (base64 DER)."""
        der = self.event_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def accepted(self, send_id: str | None = None) -> list[RecordedRequest]:
        """Sends the emulated provider accepted (2xx), optionally for one send id."""
        return [
            r
            for r in self.requests
            if 200 <= r.status < 300
            and r.kind in ("message", "call", "mail")
            and (send_id is None or r.send_id == send_id)
        ]

    def counts(self) -> dict[str, int]:
        """Accepted sends per send id: exactly-once checks expect every value to be 1."""
        return dict(Counter(r.send_id or "" for r in self.accepted()))

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> ProviderEmulator:
        app = self.build_app()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        self._closing.set()
        await self.callbacks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ProviderEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(TWILIO_PREFIX + "/Messages.json", self.twilio_messages)
        app.router.add_post(TWILIO_PREFIX + "/Calls.json", self.twilio_calls)
        app.router.add_post(TWILIO_PREFIX + "/Calls/{call_sid}.json", self.twilio_call_update)
        app.router.add_get(TWILIO_PREFIX + "/Messages.json", self.twilio_list)
        app.router.add_get(TWILIO_PREFIX + "/Calls.json", self.twilio_list)
        app.router.add_post("/sendgrid/v3/mail/send", self.sendgrid_mail_send)
        app.router.add_get("/_admin/requests", self.admin_requests)
        app.router.add_get("/_admin/counts", self.admin_counts)
        app.router.add_get("/_admin/callbacks", self.admin_callbacks)
        app.router.add_get("/_admin/sendgrid-public-key", self.admin_public_key)
        app.router.add_post("/_admin/reset", self.admin_reset)
        app.router.add_post("/_admin/scenarios", self.admin_scenarios)
        app.router.add_post("/_admin/config", self.admin_config)
        return app

    # --- Twilio ---------------------------------------------------------------------------------

    def _twilio_auth_ok(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        try:
            user, _, password = base64.b64decode(header.removeprefix("Basic "), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            header.startswith("Basic ")
            and user == self.account_sid
            and password == self.auth_token
            and request.match_info["account_sid"] == user
        )

    async def _twilio_request(self, request: web.Request, kind: str) -> tuple[RecordedRequest, dict[str, list[str]]]:
        raw = (await request.read()).decode()
        pairs = parse_qsl(raw, keep_blank_values=True)
        multi: dict[str, list[str]] = {}
        for key, value in pairs:
            multi.setdefault(key, []).append(value)
        callback = (multi.get("StatusCallback") or [""])[0]
        record = RecordedRequest(
            "twilio",
            kind,
            request.path,
            dict(request.headers),
            _send_id_from_url(callback),
            (multi.get("To") or [""])[0],
            0,
            form=pairs,
        )
        self.requests.append(record)
        return record, multi

    def _twilio_reply(
        self, record: RecordedRequest, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> web.Response:
        record.status = status
        return web.json_response(body, status=status, headers=headers)

    async def _twilio_failure(self, record: RecordedRequest, scenario: Scenario) -> web.Response | None:
        if scenario.api == "accept":
            return None
        if scenario.api == "timeout":
            await self._hang()
            return self._twilio_reply(record, 504, responses.twilio_error("20504", 504))
        if scenario.api == "throttle":
            retry = {"Retry-After": str(int(scenario.retry_after_s))}
            return self._twilio_reply(record, 429, responses.twilio_error(scenario.code or "20429", 429), retry)
        if scenario.api == "retryable":
            return self._twilio_reply(record, 500, responses.twilio_error(scenario.code or "20500", 500))
        return self._twilio_reply(record, 400, responses.twilio_error(scenario.code or "21211", 400))

    async def _hang(self) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=self.hang_s)
        except TimeoutError:
            log.info("emulator: hung request released after %.0fs", self.hang_s)

    async def twilio_messages(self, request: web.Request) -> web.Response:
        record, multi = await self._twilio_request(request, "message")
        form = {key: values[0] for key, values in multi.items()}
        if not self._twilio_auth_ok(request):
            return self._twilio_reply(record, 401, responses.twilio_error("20003", 401))
        for required, code in (("To", "21604"), ("From", "21603"), ("Body", "21602")):
            if not form.get(required) and not (required == "From" and form.get("MessagingServiceSid")):
                return self._twilio_reply(record, 400, responses.twilio_error(code, 400))
        scenario = scenario_for(form["To"], self.scenarios)
        if (failure := await self._twilio_failure(record, scenario)) is not None:
            return failure
        sid = record.provider_id = responses.new_sid("SM")
        log.info("emulator: message %s to %s accepted", sid, mask_destination(form["To"]))
        if form.get("StatusCallback"):
            self.callbacks.schedule(self.callbacks.message_callbacks(form["StatusCallback"], sid, form, scenario))
        if scenario.reply and self.twilio_inbound_url:
            self.callbacks.schedule(self.callbacks.inbound_sms(self.twilio_inbound_url, form, scenario.reply))
        record.resource = responses.message_resource(self.account_sid, sid, form)
        return self._twilio_reply(record, 201, record.resource)

    async def twilio_calls(self, request: web.Request) -> web.Response:
        record, multi = await self._twilio_request(request, "call")
        form = {key: values[0] for key, values in multi.items()}
        if not self._twilio_auth_ok(request):
            return self._twilio_reply(record, 401, responses.twilio_error("20003", 401))
        for required, code in (("To", "21201"), ("From", "21213")):
            if not form.get(required):
                return self._twilio_reply(record, 400, responses.twilio_error(code, 400))
        if not (form.get("Twiml") or form.get("Url") or form.get("ApplicationSid")):
            return self._twilio_reply(record, 400, responses.twilio_error("21205", 400))
        scenario = scenario_for(form["To"], self.scenarios)
        if (failure := await self._twilio_failure(record, scenario)) is not None:
            return failure
        sid = record.provider_id = responses.new_sid("CA")
        log.info("emulator: call %s to %s placed", sid, mask_destination(form["To"]))
        self.callbacks.schedule(self.callbacks.call_callbacks(multi, sid, scenario))
        record.resource = responses.call_resource(self.account_sid, sid, form)
        return self._twilio_reply(record, 201, record.resource)

    async def twilio_list(self, request: web.Request) -> web.Response:
        """Messages or Calls list, newest first, filtered by ``To`` (what reconciliation asks for)."""
        if not self._twilio_auth_ok(request):
            return web.json_response(responses.twilio_error("20003", 401), status=401)
        kind, key = ("message", "messages") if request.path.endswith("/Messages.json") else ("call", "calls")
        to = request.query.get("To")
        found = [
            r.resource
            for r in reversed(self.requests)
            if r.kind == kind and r.resource is not None and (to is None or r.destination == to)
        ]
        page_size = int(request.query.get("PageSize", "50"))
        return web.json_response(responses.twilio_page(key, request.path, found[:page_size], page_size))

    async def twilio_call_update(self, request: web.Request) -> web.Response:
        record, multi = await self._twilio_request(request, "call_update")
        record.provider_id = request.match_info["call_sid"]
        if not self._twilio_auth_ok(request):
            return self._twilio_reply(record, 401, responses.twilio_error("20003", 401))
        form = {key: values[0] for key, values in multi.items()}
        return self._twilio_reply(
            record, 200, responses.call_resource(self.account_sid, record.provider_id, form, "in-progress")
        )

    # --- SendGrid -------------------------------------------------------------------------------

    async def sendgrid_mail_send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        record = RecordedRequest("sendgrid", "mail", request.path, dict(request.headers), None, "", 0)
        self.requests.append(record)

        def reply(
            status: int, message: str = "", field_name: str | None = None, headers: dict[str, str] | None = None
        ) -> web.Response:
            record.status = status
            if status == 202:
                return web.Response(status=202, headers=headers)
            body = {"errors": [{"message": message, "field": field_name, "help": None}]}
            return web.json_response(body, status=status, headers=headers)

        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return reply(401, "The provided authorization grant is invalid, expired, or revoked")
        try:
            body = record.json = json.loads(raw)
            to = body["personalizations"][0]["to"][0]["email"]
            body["from"]["email"]
        except (ValueError, KeyError, IndexError, TypeError):
            return reply(400, "The personalizations, from and to fields are required.", "personalizations")
        record.destination = to
        custom = dict(body.get("custom_args") or {}) | dict(body["personalizations"][0].get("custom_args") or {})
        record.send_id = custom.get("parley_send_id")
        scenario = scenario_for(to, self.scenarios)
        if scenario.api == "timeout":
            await self._hang()
            return reply(504, "gateway timeout")
        if scenario.api == "throttle":
            return reply(429, "too many requests", None, {"Retry-After": str(int(scenario.retry_after_s))})
        if scenario.api == "retryable":
            return reply(500, "internal error")
        if scenario.api == "permanent":
            return reply(400, "Does not contain a valid address.", "personalizations.0.to.0.email")
        message_id = record.provider_id = responses.sendgrid_message_id()
        log.info("emulator: mail %s to %s accepted", message_id, mask_destination(to))
        if self.sendgrid_event_url:
            self.callbacks.schedule(self.callbacks.sendgrid_events(self.sendgrid_event_url, message_id, body, scenario))
        if scenario.reply and self.sendgrid_inbound_url:
            self.callbacks.schedule(self.callbacks.sendgrid_inbound(self.sendgrid_inbound_url, body, scenario.reply))
        return reply(202, headers={"X-Message-Id": message_id})

    # --- admin ----------------------------------------------------------------------------------

    async def admin_requests(self, request: web.Request) -> web.Response:
        send_id, provider = request.query.get("send_id"), request.query.get("provider")
        rows = [
            {key: value for key, value in asdict(r).items() if key != "headers"}
            for r in self.requests
            if (send_id is None or r.send_id == send_id) and (provider is None or r.provider == provider)
        ]
        return web.json_response(rows)

    async def admin_counts(self, request: web.Request) -> web.Response:
        by_kind = Counter(r.kind for r in self.accepted())
        return web.json_response(
            {
                "by_send_id": self.counts(),
                "by_kind": dict(by_kind),
                "accepted": len(self.accepted()),
                "received": len(self.requests),
            }
        )

    async def admin_callbacks(self, request: web.Request) -> web.Response:
        return web.json_response([{"url": c.url, "kind": c.kind, "status": c.status} for c in self.callbacks.sent])

    async def admin_public_key(self, request: web.Request) -> web.Response:
        return web.json_response({"public_key": self.sendgrid_public_key})

    async def admin_reset(self, request: web.Request) -> web.Response:
        self.requests.clear()
        self.callbacks.sent.clear()
        return web.json_response({"ok": True})

    async def admin_scenarios(self, request: web.Request) -> web.Response:
        """Body ``{"+15551234567": {"api": "throttle"}, "x@example.test": {"outcome": "bounce"}}``."""
        for destination, fields in (await request.json()).items():
            self.scenarios[destination] = Scenario(**fields)
        return web.json_response({"scenarios": sorted(self.scenarios)})

    async def admin_config(self, request: web.Request) -> web.Response:
        """Body may set ``sendgrid_event_url``, ``sendgrid_inbound_url``, ``twilio_inbound_url``."""
        for name, value in (await request.json()).items():
            if name in ("sendgrid_event_url", "sendgrid_inbound_url", "twilio_inbound_url"):
                setattr(self, name, str(value))
        return web.json_response({"ok": True})
