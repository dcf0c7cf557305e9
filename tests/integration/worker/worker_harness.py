"""What the worker end-to-end tests share: a stack (topics, Redis prefix, emulator, worker processes),
event builders, and a watcher that reads the output topics with deadlines.

The worker always runs as a real subprocess (`python -m parley worker`) configured only through
`PARLEY_*` variables, exactly as an operator runs it; the provider emulator runs in the test's event
loop, so the test can count what reached it per send id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import aiohttp
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from channels.emulators import ProviderEmulator, RecordedRequest
from orchestrator.outputs import ALL_TOPICS, OUTPUT_TOPIC_NAMES, topic_name

ROOT = Path(__file__).resolve().parents[3]
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "emulator-twilio-token"
SENDGRID_KEY = "SG.emulator-key.emulator-secret"
FROM_NUMBER = "+15005550006"
PARLEY_NUMBER = FROM_NUMBER


# --- time and zones -------------------------------------------------------------------------------


def zone_where(earliest: int, latest: int, weekdays: Iterable[int] = range(5), now: datetime | None = None) -> str:
    """An IANA zone where it is now one of ``weekdays`` (0 = Monday) between ``earliest``:00 and
    ``latest``:00 local time."""
    now = now or datetime.now(UTC)
    days = set(weekdays)
    for name in sorted(available_timezones()):
        if not name.startswith(("America/", "Europe/", "Asia/", "Africa/", "Australia/", "Pacific/")):
            continue
        local = now.astimezone(ZoneInfo(name))
        if local.weekday() in days and earliest <= local.hour < latest:
            return name
    raise RuntimeError(f"no zone is between {earliest}:00 and {latest}:00 on days {sorted(days)} at {now.isoformat()}")


def open_zone(weekdays: Iterable[int] = range(5)) -> str:
    """A zone where sends are allowed right now and stay allowed for the length of a test (a weekday,
    10:00–18:00 local; the tests turn quiet days off, so holidays do not matter)."""
    return zone_where(10, 18, weekdays)


def closed_zone() -> str:
    """A zone where it is the middle of the night (01:00–05:00): nothing may be sent before morning."""
    return zone_where(1, 5, range(7))


def next_weekday(zone: str, weekday: int, now: datetime | None = None) -> str:
    """The ISO date of the next ``weekday`` (0 = Monday) strictly after today in ``zone``."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()
    ahead = (weekday - today.weekday()) % 7 or 7
    return (today + timedelta(days=ahead)).isoformat()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- events ---------------------------------------------------------------------------------------


def debtor_profile(debtor_id: str, zone: str, phone: str, email: str | None) -> dict[str, Any]:
    return {
        "id": debtor_id,
        "name": {"first": "Ana", "last": "Ruiz"},
        "language": "en",
        "timezone": zone,
        "address": {"line1": "12 Oak St", "city": "Austin", "state": "TX", "postal_code": "78701", "country": "US"},
        "phones": [{"number": phone, "type": "mobile", "sms_consent": True, "call_consent": True}],
        "emails": [{"address": email, "consent": True, "employer_provided": False}] if email else [],
        "preferences": {"channels": ["sms", "email"], "blocked_channels": [], "inconvenient_times": []},
    }


def cloud_event(
    event_type: str, debtor_id: str, data: dict[str, Any], *, event_id: str | None = None, at: datetime | None = None
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or f"evt-{uuid.uuid4().hex[:12]}",
        "source": "urn:acme:servicing",
        "type": event_type,
        "subject": debtor_id,
        "time": iso(at or datetime.now(UTC)),
        "datacontenttype": "application/json",
        "data": data,
    }


def account_placed(
    debtor_id: str, account_id: str, zone: str, phone: str, email: str | None, **kw: Any
) -> dict[str, Any]:
    data = {
        "debtor": debtor_profile(debtor_id, zone, phone, email),
        "account": {
            "id": account_id,
            "creditor": "Acme Bank",
            "balance": "1234.56",
            "currency": "USD",
            "days_past_due": 45,
        },
    }
    return cloud_event("account.placed", debtor_id, data, **kw)


def payment_received(debtor_id: str, account_id: str, amount: str = "1234.56", **kw: Any) -> dict[str, Any]:
    data = {"account_id": account_id, "amount": amount, "paid_at": iso(datetime.now(UTC))}
    return cloud_event("payment.received", debtor_id, data, **kw)


def payment_missed(debtor_id: str, account_id: str, **kw: Any) -> dict[str, Any]:
    data = {"account_id": account_id, "amount_due": "150.00", "due_date": datetime.now(UTC).date().isoformat()}
    return cloud_event("payment.missed", debtor_id, data, **kw)


def structured(event: dict[str, Any]) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """A structured-mode record: key = debtor id, value = the whole CloudEvent."""
    return (
        str(event["subject"]).encode(),
        json.dumps(event).encode(),
        [("content-type", b"application/cloudevents+json")],
    )


def unique_phone() -> str:
    """A US mobile number no special emulator scenario uses (+1 512 55x xxxx)."""
    return f"+1512{uuid.uuid4().int % 10**7:07d}"


# --- Kafka ----------------------------------------------------------------------------------------


def create_topics(bootstrap: str, prefix: str, partitions: int, bases: Iterable[str] = ALL_TOPICS) -> None:
    from parley.cli.topics import topic_configs
    from parley.settings import Settings

    configs = topic_configs(Settings())
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    try:
        admin.create_topics(
            [
                NewTopic(
                    topic_name(base, prefix),
                    num_partitions=partitions,
                    replication_factor=1,
                    topic_configs=configs.get(base, {}),
                )
                for base in bases
            ]
        )
    finally:
        admin.close()


@dataclass
class Output:
    """One record read from an output topic, decoded."""

    topic: str
    key: bytes | None
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.event.get("type"))

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.event.get("data") or {})


class OutputWatcher:
    """Reads every output topic from the beginning in the background; tests wait for predicates."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.prefix = prefix
        self.names = {topic_name(base, prefix): base for base in OUTPUT_TOPIC_NAMES}
        self.consumer = AIOKafkaConsumer(
            *self.names,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
            metadata_max_age_ms=1000,
        )
        self.outputs: list[Output] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> OutputWatcher:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()

    async def _run(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=200, max_records=5000)
            for tp, records in batch.items():
                for record in records:
                    self.outputs.append(Output(self.names[tp.topic], record.key, json.loads(record.value)))
            if batch:
                self._changed.set()

    def of(self, event_type: str, **data: Any) -> list[Output]:
        """Outputs of ``event_type`` whose data has every given field value, de-duplicated by event id."""
        seen: dict[str, Output] = {}
        for out in self.outputs:
            if out.type == event_type and all(out.data.get(k) == v for k, v in data.items()):
                seen.setdefault(str(out.event["id"]), out)
        return list(seen.values())

    async def wait_for(self, what: str, ready: Callable[[], bool], timeout_s: float = 30.0) -> None:
        """Wait until ``ready()`` holds; fail with ``what`` and a summary of what was seen at the deadline."""
        deadline = time.monotonic() + timeout_s
        while not ready():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds: dict[str, int] = {}
                for out in self.outputs:
                    kinds[out.type] = kinds.get(out.type, 0) + 1
                raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}; outputs seen: {kinds}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))

    async def one(self, event_type: str, timeout_s: float = 30.0, **data: Any) -> Output:
        await self.wait_for(f"{event_type} {data}", lambda: bool(self.of(event_type, **data)), timeout_s)
        return self.of(event_type, **data)[0]


FIRST_STEPS = ("first_notice_email", "first_notice_sms")  # the default cadence's sends due at once


def first_notices(outputs: OutputWatcher) -> dict[str, str]:
    """Send id → debtor id of every first notice (due as soon as an account is placed) planned so far."""
    planned = outputs.of("message.scheduled")
    return {o.data["send_id"]: o.data["debtor_id"] for o in planned if o.data["step_id"] in FIRST_STEPS}


async def produce(bootstrap: str, topic: str, records: Iterable[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(topic, key=key, value=value, headers=headers) for key, value, headers in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


# --- the emulator ---------------------------------------------------------------------------------


class HookedEmulator(ProviderEmulator):
    """The provider emulator with a hook that runs after each API request was recorded, before the
    answer leaves (a test can crash the worker while a provider call is in flight)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after_record: Callable[[RecordedRequest], Awaitable[None]] | None = None

    def build_app(self) -> web.Application:
        app = super().build_app()

        @web.middleware
        async def hook(request: web.Request, handler: Any) -> web.StreamResponse:
            response = await handler(request)
            if self.after_record is not None and not request.path.startswith("/_admin"):
                recorded = self._record_of(response)
                if recorded is not None:
                    await self.after_record(recorded)
            return response

        app.middlewares.append(hook)
        return app

    def _record_of(self, response: web.StreamResponse) -> RecordedRequest | None:
        """The accepted send this response answers (by the provider id it carries)."""
        provider_id = response.headers.get("X-Message-Id")
        if provider_id is None and isinstance(response, web.Response) and response.body:
            provider_id = json.loads(bytes(response.body)).get("sid")  # type: ignore[arg-type]
        return next((r for r in reversed(self.requests) if provider_id and r.provider_id == provider_id), None)


async def still_pending(redis_url: str, key_prefix: str, sends: Mapping[str, str]) -> list[str]:
    """The sends (send id → debtor id) whose record in Redis is still scheduled or dispatching."""
    return list(await pending_statuses(redis_url, key_prefix, sends))


async def pending_statuses(redis_url: str, key_prefix: str, sends: Mapping[str, str]) -> dict[str, str]:
    """Send id → ``scheduled`` or ``dispatching`` for the sends (send id → debtor id) still pending in Redis."""
    import redis.asyncio

    from parley.store import RedisStateStore

    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        store = RedisStateStore(client, key_prefix=key_prefix)
        records = await asyncio.gather(*(store.get_send(debtor_id, send_id) for send_id, debtor_id in sends.items()))
    finally:
        await client.aclose()
    return {record.send_id: str(record.status) for record in records if record is not None}


# --- a Redis the test can take away ---------------------------------------------------------------


class RestartableRedis:
    """A redis-server of the test's own, stopped and started again on the same port with its data.

    Every write is in the append-only file before it is answered (``appendfsync always``), so a stop
    (SIGTERM: clients see their connections close, then connection refused) and a start lose nothing:
    an outage, not a flush. The session's shared server is never touched.
    """

    def __init__(self, workdir: Path) -> None:
        from parley.devservers.process import HOST, free_port

        self.workdir = workdir
        self.host = HOST
        self.port = free_port()
        self._process: Any = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> RestartableRedis:
        from parley.devservers.process import ManagedProcess
        from parley.devservers.redis import answers_ping, redis_server_path

        argv = [
            redis_server_path(),
            *("--bind", self.host, "--port", str(self.port), "--dir", str(self.workdir)),
            *("--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"),
        ]
        self._process = ManagedProcess("redis-server", argv, self.workdir / "redis.log", cwd=self.workdir)
        self._process.start()
        self._process.wait_ready(lambda: answers_ping(self.host, self.port), timeout_s=15.0)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stop(grace_s=10.0)


# --- the worker process ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """One test's slice of the shared infrastructure: its topics, its Redis keys, its consumer group."""

    kafka_bootstrap: str
    redis_url: str
    key_prefix: str
    topic_prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:8]}.")
    app_id: str = field(default_factory=lambda: f"parley-test-{uuid.uuid4().hex[:8]}")

    def topic(self, base: str) -> str:
        return topic_name(base, self.topic_prefix)

    def worker_env(self, emulator: ProviderEmulator | None, web_port: int, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(
            {
                "PARLEY_KAFKA_URL": f"kafka://{self.kafka_bootstrap}",
                "PARLEY_STATE_URL": self.redis_url,
                "PARLEY_KEY_PREFIX": self.key_prefix,
                "PARLEY_TOPIC_PREFIX": self.topic_prefix,
                "PARLEY_APP_ID": self.app_id,
                "PARLEY_DATA_DIR": str(Path(tempfile.gettempdir()) / "parley-faust" / self.app_id),
                "PARLEY_WEB_HOST": "127.0.0.1",
                "PARLEY_WEB_PORT": str(web_port),
                "PARLEY_WEBHOOK_PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
                "PARLEY_QUIET_DAYS": "false",
                "PARLEY_SCHEDULER_TICK_S": "0.2",
                # A short lease, so a crashed send is reconciled soon; the provider timeouts must fit three
                # times in it (settings refuse less), and still outlast a provider call a test holds (the
                # SIGTERM test's: 1.6 s measured, its port closing ~0.1 s after the signal, then 1.5 s).
                "PARLEY_SCHEDULER_LEASE_S": "9",
                "PARLEY_TWILIO_TIMEOUT_S": "3",
                "PARLEY_SENDGRID_TIMEOUT_S": "3",
                "PARLEY_KAFKA_SESSION_TIMEOUT_S": "6",
                "PARLEY_LOG_LEVEL": "INFO",
                "PARLEY_TWILIO_ACCOUNT_SID": TWILIO_SID,
                "PARLEY_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "PARLEY_TWILIO_FROM_NUMBER": FROM_NUMBER,
                "PARLEY_SENDGRID_API_KEY": SENDGRID_KEY,
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        if emulator is not None:
            env.update(
                {
                    "PARLEY_SMS_CHANNEL_URL": "twilio://",
                    "PARLEY_VOICE_CHANNEL_URL": "twilio://",
                    "PARLEY_EMAIL_CHANNEL_URL": "sendgrid://",
                    "PARLEY_TWILIO_API_BASE_URL": emulator.twilio_base_url,
                    "PARLEY_SENDGRID_API_HOST": emulator.sendgrid_host,
                    "PARLEY_SENDGRID_EVENT_PUBLIC_KEY": emulator.sendgrid_public_key,
                }
            )
        else:
            env.update(
                {
                    "PARLEY_SMS_CHANNEL_URL": "sandbox://",
                    "PARLEY_VOICE_CHANNEL_URL": "sandbox://",
                    "PARLEY_EMAIL_CHANNEL_URL": "sandbox://",
                }
            )
        env.update(overrides)
        return env


class WorkerProcess:
    """``python -m parley worker`` in a subprocess, its output in a log file; stopped or killed by pid."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.env = dict(env)
        self.port = int(self.env["PARLEY_WEB_PORT"])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, timeout_s: float = 30.0) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parley", "worker"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        await self.wait_healthy(timeout_s)
        return self

    async def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    async with session.get(self.base_url + "/health", timeout=aiohttp.ClientTimeout(total=1)) as r:
                        if r.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"worker not healthy after {timeout_s:.0f}s:\n{self.log_tail()}")

    async def wait_health(self, status: int, timeout_s: float) -> dict[str, Any]:
        """The body of the first ``/health`` answering ``status`` (asked every 0.2 s) within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        seen: tuple[int, dict[str, Any]] | None = None
        while time.monotonic() < deadline:
            seen = await self.health()
            if seen[0] == status:
                return seen[1]
            await asyncio.sleep(0.2)
        raise AssertionError(f"/health never answered {status} within {timeout_s:.0f}s; last answer {seen}")

    async def inbound_sms(self, from_number: str, text: str) -> int:
        """POST an inbound SMS to the worker's Twilio webhook, signed as Twilio signs it; returns the status."""
        from twilio.request_validator import RequestValidator

        url = self.base_url + "/webhooks/twilio/sms-inbound"
        form = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID,
            "From": from_number,
            "To": PARLEY_NUMBER,
            "Body": text,
            "NumMedia": "0",
        }
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        headers = {"X-Twilio-Signature": signature}
        async with aiohttp.ClientSession() as session, session.post(url, data=form, headers=headers) as response:
            return response.status

    async def health(self) -> tuple[int, dict[str, Any]]:
        """``GET /health``: the status code and the JSON body."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base_url + "/health", timeout=aiohttp.ClientTimeout(total=10)) as response,
        ):
            return response.status, await response.json(content_type=None)

    async def metrics(self) -> str:
        """``GET /metrics`` as text."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base_url + "/metrics", timeout=aiohttp.ClientTimeout(total=10)) as response,
        ):
            return await response.text()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_count(self, text: str) -> int:
        """How many lines of the worker's log contain ``text``."""
        return sum(text in line for line in self.log_path.read_text(errors="replace").splitlines())

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, nothing is flushed or committed."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    async def stop(self, timeout_s: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if self.process.poll() is None:
            self.kill()

    def owned_partitions(self) -> list[int] | None:
        """The account-events partitions the worker last said it owns (its scheduler logs each change)."""
        owned = None
        for line in self.log_path.read_text(errors="replace").splitlines():
            if "account-events partitions [" in line:
                owned = json.loads(line[line.index("[", line.index("partitions")) :].split("]")[0] + "]")
        return owned

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


StartWorker = Callable[..., Awaitable[WorkerProcess]]
"""The ``start_worker`` fixture: ``await start_worker(with_emulator=True, PARLEY_X="…")``."""
