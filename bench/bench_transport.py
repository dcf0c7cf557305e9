"""The transport's own ceiling: a faust agent that does no work, beside the bare aiokafka loop.

    .venv/bin/python bench/bench_transport.py [--events 20000] [--outputs 1 12]

What one worker process could reach if Parley's decisions cost nothing: a faust worker configured as
``parley worker`` is (batches of up to 500 within 1 ms, producer acks=all, no linger, outputs sent
straight to the app's producer and acknowledged before the batch is acked) whose agent publishes N
copies of each input record — N = 10 is what an ``account.placed`` of ``bench_worker.py`` makes the
worker publish (six ``message.scheduled``, two ``decision.recorded``, two ``message.dispatched``; it
prints the figure) — and nothing else. Input events/s, in the same run as the bare consume→produce loop
of ``bench_worker.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import faust
from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_worker import bare_loop, create_topics, infrastructure, placed, produce  # noqa: E402


def serve(bootstrap: str, source: str, sink: str, copies: int) -> None:
    """The do-nothing worker (run in its own process, as ``parley worker`` is)."""
    app = faust.App(
        f"transport-{uuid.uuid4().hex[:6]}",
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="parley-faust-"),
        web_enabled=False,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger=0.0,
        stream_wait_empty=False,
    )
    raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
    topic = app.topic(source, **raw)  # type: ignore[arg-type]

    @app.agent(topic)
    async def forward(stream: faust.StreamT[bytes]) -> None:
        assert isinstance(stream, faust.Stream)
        async for batch in stream.take_events(500, within=0.001):
            pending = []
            for event in batch:
                message = event.message
                for _ in range(copies):
                    pending.append(await app.producer.send(sink, message.key, message.value, None, None, None))
            await asyncio.gather(*pending)

    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


async def count(bootstrap: str, topic: str, expected: int, timeout_s: float) -> float:
    """Seconds from the first to the last of ``expected`` records on ``topic`` (broker timestamps)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    seen, first, last = 0, None, 0
    deadline = time.monotonic() + timeout_s
    try:
        while seen < expected and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500, max_records=10_000)).values():
                for record in records:
                    first = record.timestamp if first is None else first
                    last = max(last, record.timestamp)
                    seen += 1
    finally:
        await consumer.stop()
    if seen < expected:
        raise SystemExit(f"only {seen} of {expected} records arrived")
    return max(last - (first or last), 1) / 1000


async def faust_floor(bootstrap: str, events: int, copies: int, partitions: int) -> float:
    source, sink = f"transport-in-{uuid.uuid4().hex[:6]}", f"transport-out-{uuid.uuid4().hex[:6]}"
    create_topics(bootstrap, [source, sink], partitions)
    worker = subprocess.Popen(
        [sys.executable, __file__, "--serve", bootstrap, source, sink, str(copies)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        value = placed("deb-transport", "UTC")
        await produce(bootstrap, source, [(f"deb-{n}".encode(), value) for n in range(events)])
        elapsed = await count(bootstrap, sink, events * copies, 300)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return events / elapsed


async def main(args: argparse.Namespace) -> None:
    with infrastructure(args.kafka, None) as (bootstrap, _redis):
        bare = await bare_loop(bootstrap, args.events, args.partitions)
        print(f"bare consume→produce loop           : {bare:9,.0f} records/s")
        for copies in args.outputs:
            rate = await faust_floor(bootstrap, args.events, copies, args.partitions)
            print(
                f"faust agent, no work, {copies:2d} outputs each : {rate:9,.0f} events/s   "
                f"({rate / bare:.1%} of the bare loop)"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        _, _, serve_bootstrap, serve_source, serve_sink, serve_copies = sys.argv
        sys.argv = [sys.argv[0], "worker"]  # faust's own command line: run the worker
        serve(serve_bootstrap, serve_source, serve_sink, int(serve_copies))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--outputs", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--kafka", default=os.environ.get("PARLEY_TEST_KAFKA"))
    asyncio.run(main(parser.parse_args()))
