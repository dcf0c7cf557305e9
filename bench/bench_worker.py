"""One worker end to end on a real broker and redis-server, beside a bare Kafka loop in the same run.

    .venv/bin/python bench/bench_worker.py                       # throw-away Kafka and Redis
    .venv/bin/python bench/bench_worker.py --events 5000 --kafka 127.0.0.1:9092 --redis redis://127.0.0.1:6379/0

Figures:
- bare loop: aiokafka consume → produce of the same records (acks per batch), records/s;
- worker: `python -m parley worker` (sandbox channels) on pre-produced `account.placed` events, each
  planning 6 sends of which 2 are due at once; events/s from the first output to the last
  `message.dispatched`; the ratio to the bare loop; Redis round trips per event (the store's counter,
  read from /metrics);
- worker, intake only: the same events for debtors where it is night: events/s to the last
  first-notice `message.scheduled`, and round trips per event (the first notices are planned for the
  debtor's morning, so nothing falls due);
- latency: events produced at about half the measured worker rate, the first 500 of them a warm-up
  (not measured: the same steady stream, no idle gap after it); p50/p99 from the input record's
  timestamp to its SMS `message.dispatched` record's timestamp (both stamped by this host).
Targets (BRIEF.md): ≥ 5,000 events/s, ≥ 50 % of the bare loop, ≤ 2 round trips per event, p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestrator.outputs import ACCOUNT_EVENTS, ALL_TOPICS, DELIVERY_EVENTS, topic_name  # noqa: E402
from parley.devservers import KafkaBroker, RedisServer  # noqa: E402


@contextlib.contextmanager
def infrastructure(kafka: str | None, redis: str | None) -> Iterator[tuple[str, str]]:
    with contextlib.ExitStack() as stack:
        if kafka is None:
            kafka = stack.enter_context(KafkaBroker()).bootstrap
        if redis is None:
            redis = stack.enter_context(RedisServer()).url
        yield kafka, redis


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    try:
        admin.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names])
    finally:
        admin.close()


def placed(debtor: str, zone: str) -> bytes:
    event = {
        "specversion": "1.0",
        "id": f"evt-{debtor}",
        "source": "urn:bench",
        "type": "account.placed",
        "subject": debtor,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "data": {
            "debtor": {
                "id": debtor,
                "name": {"first": "Ana", "last": "Ruiz"},
                "language": "en",
                "timezone": zone,
                "phones": [
                    {
                        "number": f"+1512{abs(hash(debtor)) % 10**7:07d}",
                        "type": "mobile",
                        "sms_consent": True,
                        "call_consent": True,
                    }
                ],
                "emails": [{"address": f"{debtor}@example.com", "consent": True, "employer_provided": False}],
            },
            "account": {
                "id": f"acc-{debtor}",
                "creditor": "Acme",
                "balance": "500.00",
                "currency": "USD",
                "days_past_due": 40,
            },
        },
    }
    return json.dumps(event).encode()


def open_zone() -> str:
    sys.path.insert(0, str(ROOT / "tests" / "integration" / "worker"))
    from worker_harness import open_zone as zone

    return str(zone())


def closed_zone() -> str:
    """A zone in the middle of the night: events are planned, nothing is due (intake alone)."""
    sys.path.insert(0, str(ROOT / "tests" / "integration" / "worker"))
    from worker_harness import closed_zone as zone

    return str(zone())


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]], rate: float | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all", max_batch_size=1 << 20)
    await producer.start()
    try:
        started = time.perf_counter()
        futures = []
        for n, (key, value) in enumerate(records):
            if rate:
                delay = started + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            futures.append(await producer.send(topic, key=key, value=value))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def bare_loop(bootstrap: str, count: int, partitions: int) -> float:
    """Records/s of a plain consume → produce loop (one consumer, one producer, acks per batch)."""
    source, sink = f"bench-bare-in-{uuid.uuid4().hex[:6]}", f"bench-bare-out-{uuid.uuid4().hex[:6]}"
    create_topics(bootstrap, [source, sink], partitions)
    value = placed("deb-bare", "UTC")
    await produce(bootstrap, source, [(f"deb-{n}".encode(), value) for n in range(count)])
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"bare-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1, acks="all")
    await consumer.start()
    await producer.start()
    try:
        done, started = 0, None
        while done < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if started is None and batch:
                started = time.perf_counter()
            futures = [await producer.send(sink, key=r.key, value=r.value) for rs in batch.values() for r in rs]
            await asyncio.gather(*futures)
            await consumer.commit()
            done += len(futures)
        return count / (time.perf_counter() - (started or time.perf_counter()))
    finally:
        await consumer.stop()
        await producer.stop()


class Worker:
    def __init__(self, bootstrap: str, redis: str, prefix: str, log: Path) -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(
            {
                "PARLEY_KAFKA_URL": f"kafka://{bootstrap}",
                "PARLEY_STATE_URL": redis,
                "PARLEY_KEY_PREFIX": f"bench:{uuid.uuid4().hex[:6]}:",
                "PARLEY_TOPIC_PREFIX": prefix,
                "PARLEY_APP_ID": f"bench-{uuid.uuid4().hex[:6]}",
                "PARLEY_DATA_DIR": tempfile.mkdtemp(prefix="parley-bench-faust-"),
                "PARLEY_WEB_PORT": str(self.port),
                "PARLEY_QUIET_DAYS": "false",
                # INFO, the default: at WARNING faust's terminal spinner sets the root logger to DEBUG, and
                # every aiokafka debug call then builds a log record (about 5 % of the worker's time).
                "PARLEY_LOG_LEVEL": "INFO",
                "PARLEY_SCHEDULER_TICK_S": "0.2",
                "PARLEY_SMS_CHANNEL_URL": "sandbox://",
                "PARLEY_EMAIL_CHANNEL_URL": "sandbox://",
                "PARLEY_VOICE_CHANNEL_URL": "sandbox://",
            }
        )
        profile = os.environ.get("BENCH_WORKER_PROFILE")  # a folder: each worker run writes a cProfile file
        profile = profile and str(Path(profile) / f"{prefix}prof")
        command = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []), "-m", "parley", "worker"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    async def metric(self, name: str) -> float:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{self.port}/metrics") as r:
            text = await r.text()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # a clean exit (a profiler writes its file)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def watch_dispatched(
    bootstrap: str, topic: str, expected: int, timeout_s: float, intake_only: bool = False, prefix: str = ""
) -> list[tuple[str, int]]:
    """(debtor id, record timestamp ms) of each SMS message.dispatched (``intake_only``: of each
    first-notice SMS message.scheduled), until ``expected`` arrived."""
    wanted = (
        (b'"message.scheduled"', b'"first_notice_sms"')
        if intake_only
        else (b'"message.dispatched"', b'"channel":"sms"')
    )
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    seen: list[tuple[str, int]] = []
    first_output: float | None = None
    deadline = time.monotonic() + timeout_s
    try:
        while len(seen) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for record in records:
                    if first_output is None:
                        first_output = record.timestamp
                    if all(marker in record.value for marker in wanted):
                        subject = json.loads(record.value)["subject"]
                        if subject.startswith(prefix):
                            seen.append((subject, record.timestamp))
    finally:
        await consumer.stop()
    seen.insert(0, ("", int(first_output or 0)))
    return seen


@dataclass(frozen=True)
class WorkerRun:
    events_per_s: float
    round_trips_per_event: float
    outputs_per_event: float  # published records per input event (the scheduler's included)
    latencies_ms: list[float]


async def run_worker(
    bootstrap: str,
    redis: str,
    events: int,
    partitions: int,
    rate: float | None,
    log_dir: Path,
    intake_only: bool = False,
    warmup: int = 0,
) -> WorkerRun:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    create_topics(bootstrap, [topic_name(t, prefix) for t in ALL_TOPICS], partitions)
    zone = closed_zone() if intake_only else open_zone()
    run = uuid.uuid4().hex[:6]
    records = [(f"deb-{run}-{n}".encode(), placed(f"deb-{run}-{n}", zone)) for n in range(events)]
    input_topic, output_topic = topic_name(ACCOUNT_EVENTS, prefix), topic_name(DELIVERY_EVENTS, prefix)
    worker = Worker(bootstrap, redis, prefix, log_dir / f"worker-{prefix}log")
    try:
        await _wait_healthy(worker)
        # The warm-up takes first-use costs (template compilation, connections, caches) out of the measurement.
        warm = [(f"warm-{run}-{n}".encode(), placed(f"warm-{run}-{n}", zone)) for n in range(warmup)]
        if warm and rate is None:  # a burst, worked before the measured one starts
            await produce(bootstrap, input_topic, warm)
            await watch_dispatched(bootstrap, output_topic, warmup, 120, intake_only, prefix="warm-")
            warm = []
        watcher = asyncio.create_task(
            watch_dispatched(bootstrap, output_topic, events, 300, intake_only, prefix=f"deb-{run}-")
        )
        # At a rate, the warm-up leads the same steady stream: the measured events meet a worker in its
        # steady state, not one waking from an idle gap after a burst.
        await produce(bootstrap, input_topic, warm + records, rate)
        seen = await watcher
        first_ms = seen.pop(0)[1]
        trips = await worker.metric("parley_redis_round_trips_total")
        outputs = await worker.metric("parley_outputs_total")
    finally:
        worker.stop()
    if len(seen) < events:
        raise SystemExit(f"only {len(seen)} of {events} events dispatched; see {log_dir}")
    elapsed = (max(ts for _, ts in seen) - first_ms) / 1000
    latencies: list[float] = []
    if rate is not None:
        produced_at = await input_timestamps(bootstrap, input_topic, events + warmup)
        latencies = sorted(float(ts - produced_at[d]) for d, ts in seen if d in produced_at)
    return WorkerRun(events / max(elapsed, 1e-9), trips / events, outputs / (events + warmup), latencies)


async def input_timestamps(bootstrap: str, topic: str, expected: int) -> dict[str, int]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    stamps: dict[str, int] = {}
    try:
        while len(stamps) < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if not batch:
                break
            for records in batch.values():
                for record in records:
                    stamps[record.key.decode()] = record.timestamp
    finally:
        await consumer.stop()
    return stamps


async def _wait_healthy(worker: Worker) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{worker.port}/health") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise SystemExit("worker did not become healthy")


async def main(args: argparse.Namespace) -> None:
    with infrastructure(args.kafka, args.redis) as (bootstrap, redis), tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(args.log_dir or tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        bare = await bare_loop(bootstrap, args.events, args.partitions)
        print(f"bare consume→produce loop : {bare:9,.0f} records/s")
        full = await run_worker(bootstrap, redis, args.events, args.partitions, None, log_dir)
        peak = full.events_per_s
        print(f"worker end to end         : {peak:9,.0f} events/s   ({peak / bare:.1%} of the bare loop)")
        print(f"redis round trips / event : {full.round_trips_per_event:9.2f}   (the event and its 2 due sends)")
        print(f"outputs published / event : {full.outputs_per_event:9.2f}   (bench_transport.py: faust's own ceiling)")
        intake = await run_worker(bootstrap, redis, args.events, args.partitions, None, log_dir, True)
        print(
            f"worker, intake only       : {intake.events_per_s:9,.0f} events/s   "
            f"({intake.events_per_s / bare:.1%} of the bare loop)"
        )
        print(
            f"redis round trips / event : {intake.round_trips_per_event:9.2f}   "
            "(night zone: the sends are planned for the morning)"
        )
        rate = peak / 2
        count = max(200, min(args.events, int(rate * 10)))
        latencies = (await run_worker(bootstrap, redis, count, args.partitions, rate, log_dir, warmup=500)).latencies_ms
        if latencies:
            p50 = statistics.median(latencies)
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"event→dispatch at {rate:,.0f}/s : p50 {p50:.0f} ms, p99 {p99:.0f} ms  ({len(latencies)} events)")
        print("targets: ≥ 5,000 events/s, ≥ 50 % of the bare loop, ≤ 2 round trips/event, p99 ≤ 50 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--kafka", default=os.environ.get("PARLEY_TEST_KAFKA"))
    parser.add_argument("--redis", default=os.environ.get("PARLEY_TEST_REDIS"))
    parser.add_argument("--log-dir", help="keep the worker logs here (default: a temporary folder)")
    asyncio.run(main(parser.parse_args()))
