"""``/health``'s Redis check, on probe connections of its own: a check must not queue behind the store's
busy pool (its callers wait for a free connection).

One server: it answers a PING. A Redis Cluster: the nodes the store's client knows (replicas too) are
asked CLUSTER INFO at once, and the cluster is fine when one of them says ``cluster_state:ok`` with all
16,384 slots served (a cluster run with ``cluster-require-full-coverage no`` stays ``ok`` without some).
A primary lost with no replica to take over fails it, on every node, once the others have seen it down;
a primary lost with a replica is fine again once the replica took over, although the node lost never
answers again. One node's word is taken for the cluster: a worker that reaches a replica but not the
primaries it needs is not told apart here (its store calls fail, and ``StoreOutage`` says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from redis.asyncio import ConnectionPool, Redis, RedisCluster

from consumers.web import HEALTH_TIMEOUT_S, Check


class StoreHealth:
    """Probe clients by node, opened on first use and kept while the store's client knows the node (a node
    that left the cluster, or a primary lost and replaced, has its probe closed), until ``aclose``."""

    def __init__(self) -> None:
        self._probes: dict[str, Redis] = {}

    @property
    def probed(self) -> frozenset[str]:
        """The nodes (``host:port``; ``server`` for one server) with a probe open."""
        return frozenset(self._probes)

    async def check(self, client: Redis | RedisCluster) -> Check:
        if not isinstance(client, RedisCluster):
            pool = client.connection_pool
            return await _asked("PING", _ping(self._probe("server", pool.connection_class, pool.connection_kwargs)))
        nodes = client.get_nodes()
        await self._close(set(self._probes) - {node.name for node in nodes})
        probes = [self._probe(node.name, node.connection_class, node.connection_kwargs) for node in nodes]
        return cluster_verdict(await asyncio.gather(*(_asked("CLUSTER INFO", _cluster_state(p)) for p in probes)))

    def _probe(self, name: str, connection_class: type[Any], kwargs: dict[str, Any]) -> Redis:
        probe = self._probes.get(name)
        if probe is None:
            settings = {**kwargs, "socket_timeout": HEALTH_TIMEOUT_S, "socket_connect_timeout": HEALTH_TIMEOUT_S}
            pool = ConnectionPool(connection_class=connection_class, max_connections=2, **settings)
            probe = self._probes[name] = Redis(connection_pool=pool)
        return probe

    async def aclose(self) -> None:
        await self._close(set(self._probes))

    async def _close(self, names: set[str]) -> None:
        for name in names:
            probe = self._probes.pop(name, None)  # None: a check running beside this one closed it
            if probe is not None:
                await probe.aclose(close_connection_pool=True)


def cluster_verdict(answers: list[Check]) -> Check:
    """The cluster's health from its nodes' answers: fine when one node finds every slot served; else the
    first node's account of what is not, else why none answered."""
    fine = sum(answer.ok for answer in answers)
    if fine:
        return Check(True, f"cluster_state ok ({fine} of {len(answers)} nodes)")
    if not answers:
        return Check(False, "the store's client knows no node of the cluster")
    answered = [answer for answer in answers if answer.detail.startswith("cluster_state")]
    return answered[0] if answered else Check(False, f"no node of {len(answers)} answered: {answers[0].detail}")


async def _asked(asked: str, answer: Coroutine[Any, Any, Check]) -> Check:
    """``answer`` within the health timeout; a failure or no answer is a failed check naming ``asked``."""
    try:
        return await asyncio.wait_for(answer, HEALTH_TIMEOUT_S)
    except TimeoutError:
        return Check(False, f"no answer to {asked} within {HEALTH_TIMEOUT_S:.0f}s")
    except Exception as error:  # noqa: BLE001 - any failure is this check's answer (503 naming it), not a 500
        return Check(False, f"{asked} failed: {type(error).__name__}: {error}")


async def _ping(probe: Redis) -> Check:
    await probe.ping()  # type: ignore[misc]  # redis-py types the asyncio client's replies as sync | async
    return Check(True, "PING answered")


async def _cluster_state(probe: Redis) -> Check:
    info = await probe.execute_command("CLUSTER INFO")  # type: ignore[no-untyped-call]
    state, served = info.get("cluster_state"), info.get("cluster_slots_ok")
    if state == "ok" and served == "16384":
        return Check(True, "cluster_state ok")
    return Check(False, f"cluster_state {state}: {served} of 16384 slots served")
