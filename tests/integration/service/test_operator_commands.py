"""The operator's commands against real servers: ``parley explain`` reads a debtor from Redis,
``parley topics create`` makes every topic on the broker with the audit retention, and brings topics that
already exist (made by hand, or auto-created by a worker) up to it; a server that is not there is a
one-line error."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

from orchestrator.events import Account, AccountPlaced, DebtorProfile, HoldPlaced, InboundEvent, Name, Phone
from orchestrator.outputs import ALL_TOPICS
from orchestrator.service.api import handle_event
from parley.bootstrap import build_runtime
from parley.cli import main
from parley.settings import Settings

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


def event(event_type: str, data: object, event_id: str) -> InboundEvent:
    return InboundEvent(id=event_id, type=event_type, source="test", subject="d-x", time=NOW, data=data)  # type: ignore[arg-type]


async def place_and_hold(
    redis_url: str, prefix: str, accounts: tuple[str, ...] = ("A",), held: str | None = None
) -> None:
    runtime = await build_runtime(Settings(state_url=redis_url, key_prefix=prefix), partition_of=lambda _d: 0)
    debtor = DebtorProfile(
        id="d-x",
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),),
    )
    try:
        for account in accounts:
            placed = AccountPlaced(debtor=debtor, account=Account(id=account, creditor="Acme", balance=Decimal("10")))
            await handle_event(runtime.ctx, event("account.placed", placed, f"e-placed-{account}"))
        await handle_event(runtime.ctx, event("hold.placed", HoldPlaced(account_id=held, reason="attorney"), "e-hold"))
    finally:
        await runtime.aclose()


def test_explain_shows_the_holds_and_why_each_channel_is_blocked(
    redis_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = key_prefix.rstrip(":")
    asyncio.run(place_and_hold(redis_url, prefix))
    monkeypatch.setenv("PARLEY_STATE_URL", redis_url)
    monkeypatch.setenv("PARLEY_KEY_PREFIX", prefix)
    result = CliRunner().invoke(main, ["explain", "d-x", "--json", "--at", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [h["reason"] for h in report["holds"]] == ["attorney"]
    sms = next(row for row in report["channels"] if row["channel"] == "sms")
    assert sms["allowed_now"] is False and sms["next_allowed_at"] is None
    assert "attorney_rep" in {v["rule_id"] for v in sms["verdicts"] if not v["allowed"]}

    naive = CliRunner().invoke(main, ["explain", "d-x", "--json", "--at", NOW.replace(tzinfo=None).isoformat()])
    assert naive.exit_code == 0, naive.output
    assert json.loads(naive.output) == report  # a time without an offset is UTC, as in `parley replay --until`

    missing = CliRunner().invoke(main, ["explain", "nobody"])
    assert missing.exit_code != 0 and "no state for debtor 'nobody'" in missing.output
    assert f"key prefix '{prefix}'" in missing.output  # says where it looked


def test_explain_judges_each_open_account_on_its_own(
    redis_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attorney hold on account A blocks contact about A, not a reminder about B (as the scheduler
    judges each send about its own accounts)."""
    prefix = key_prefix.rstrip(":")
    asyncio.run(place_and_hold(redis_url, prefix, accounts=("A", "B"), held="A"))
    monkeypatch.setenv("PARLEY_STATE_URL", redis_url)
    monkeypatch.setenv("PARLEY_KEY_PREFIX", prefix)
    result = CliRunner().invoke(main, ["explain", "d-x", "--json", "--at", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    sms = {row["account_id"]: row for row in json.loads(result.output)["channels"] if row["channel"] == "sms"}
    assert sms["A"]["allowed_now"] is False and sms["A"]["next_allowed_at"] is None
    assert sms["B"]["allowed_now"] is True

    table = CliRunner().invoke(main, ["explain", "d-x", "--at", NOW.isoformat()])
    assert table.exit_code == 0 and "attorney_rep" in table.output, table.output


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_explain_without_its_redis_says_so_in_one_line_with_the_password_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_STATE_URL", f"redis://:hunter2@127.0.0.1:{_closed_port()}/0")
    result = CliRunner().invoke(main, ["explain", "d-x"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "cannot read the state store redis://:****@127.0.0.1:" in result.output
    assert "hunter2" not in result.output


def test_topics_create_without_a_broker_fails_within_seconds_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    monkeypatch.setenv("PARLEY_KAFKA_URL", f"kafka://127.0.0.1:{port}")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["topics", "create"])
    assert time.monotonic() - started < 15
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"no Kafka broker answered at 127.0.0.1:{port} (PARLEY_KAFKA_URL)" in result.output


def test_topics_create_makes_every_topic_once_with_the_audit_retention(
    kafka_bootstrap: str, unique_topic: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unique_topic("ops") + "."
    monkeypatch.setenv("PARLEY_KAFKA_URL", f"kafka://{kafka_bootstrap}")
    monkeypatch.setenv("PARLEY_TOPIC_PREFIX", prefix)
    first = CliRunner().invoke(main, ["topics", "create", "--partitions", "3"])
    assert first.exit_code == 0, first.output
    assert [line.split()[0] for line in first.stdout.splitlines()[:-1]] == ["created"] * len(ALL_TOPICS)
    again = CliRunner().invoke(main, ["topics", "create", "--partitions", "3"])
    assert again.exit_code == 0, again.output
    assert [line.split()[0] for line in again.stdout.splitlines()[:-1]] == ["exists"] * len(ALL_TOPICS)
    assert again.stdout.splitlines()[-1].startswith("nothing changed") and again.stderr == ""

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = admin.describe_topics([f"{prefix}account-events"])
        assert len(described[0]["partitions"]) == 3
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, f"{prefix}decisions")])
        retention = configs["topic"][f"{prefix}decisions"]["retention.ms"]["value"]
        assert retention == str(Settings().decisions_retention_days * 86_400_000)
    finally:
        admin.close()


def _retention(admin: KafkaAdminClient, topic: str) -> str:
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all")
    return str(described["topic"][topic]["retention.ms"]["value"])


def _partition_count(admin: KafkaAdminClient, topic: str) -> int:
    return len(admin.describe_topics([topic])[0]["partitions"])


def test_topics_create_sets_the_audit_retention_on_an_existing_decisions_topic_and_reports_its_partitions(
    kafka_bootstrap: str, unique_topic: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unique_topic("pre") + "."
    decisions = f"{prefix}decisions"
    monkeypatch.setenv("PARLEY_KAFKA_URL", f"kafka://{kafka_bootstrap}")
    monkeypatch.setenv("PARLEY_TOPIC_PREFIX", prefix)
    monkeypatch.setenv("PARLEY_TOPIC_PARTITIONS", "4")
    audit_ms = str(Settings().decisions_retention_days * 86_400_000)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        # Made by hand (or auto-created by a worker started first): 2 partitions, the broker's 7-day retention.
        admin.create_topics([NewTopic(decisions, num_partitions=2, replication_factor=1)])
        broker_default = _retention(admin, decisions)
        assert broker_default != audit_ms
        # Dead letters kept forever by the operator's choice: a retention is a minimum, never shortened.
        forever = NewTopic(f"{prefix}dead-letters", 4, 1, topic_configs={"retention.ms": "-1"})
        admin.create_topics([forever])

        first = CliRunner().invoke(main, ["topics", "create"])
        assert first.exit_code == 0, first.output
        assert f"updated  {decisions}: retention.ms {broker_default} (7 days) → {audit_ms} (1100 days)" in first.stdout
        assert _retention(admin, decisions) == audit_ms
        assert f"warning: {decisions} has 2 partitions, 4 wanted" in first.stderr
        assert "--grow-partitions" in first.stderr
        assert _partition_count(admin, decisions) == 2  # never changed without the flag
        assert f"exists   {prefix}dead-letters: keeps retention.ms=-1 (forever)" in first.stdout
        assert _retention(admin, f"{prefix}dead-letters") == "-1"
        assert "5 new, 1 updated, 1 unchanged; 1 with another partition count" in first.stdout

        again = CliRunner().invoke(main, ["topics", "create"])
        assert again.exit_code == 0, again.output
        assert f"exists   {decisions}\n" in again.stdout and "updated" not in again.stdout
        assert "nothing changed" in again.stdout and "1 with another partition count" in again.stdout
        assert f"warning: {decisions} has 2 partitions, 4 wanted" in again.stderr
        assert _retention(admin, decisions) == audit_ms and _partition_count(admin, decisions) == 2

        grown = CliRunner().invoke(main, ["topics", "create", "--grow-partitions"])
        assert grown.exit_code == 0, grown.output
        assert f"updated  {decisions}: partitions 2 → 4" in grown.stdout and grown.stderr == ""
        assert _partition_count(admin, decisions) == 4 and _retention(admin, decisions) == audit_ms

        fewer = CliRunner().invoke(main, ["topics", "create", "--partitions", "1", "--grow-partitions"])
        assert fewer.exit_code == 0, fewer.output
        assert f"{decisions} has 4 partitions, more than the 1 wanted" in fewer.stderr
        assert _partition_count(admin, decisions) == 4  # never shrunk
    finally:
        admin.close()
