"""The operator's commands against real servers: ``parley explain`` reads a debtor from Redis,
``parley topics create`` makes every topic on the broker with the audit retention."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from orchestrator.events import Account, AccountPlaced, DebtorProfile, HoldPlaced, InboundEvent, Name, Phone
from orchestrator.outputs import ALL_TOPICS
from orchestrator.service.api import handle_event
from parley.bootstrap import build_runtime
from parley.cli import main
from parley.settings import Settings

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


def event(event_type: str, data: object, event_id: str) -> InboundEvent:
    return InboundEvent(id=event_id, type=event_type, source="test", subject="d-x", time=NOW, data=data)  # type: ignore[arg-type]


async def place_and_hold(redis_url: str, prefix: str) -> None:
    runtime = await build_runtime(Settings(state_url=redis_url, key_prefix=prefix), partition_of=lambda _d: 0)
    debtor = DebtorProfile(
        id="d-x",
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),),
    )
    try:
        placed = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=Decimal("10")))
        await handle_event(runtime.ctx, event("account.placed", placed, "e-placed"))
        await handle_event(runtime.ctx, event("hold.placed", HoldPlaced(account_id=None, reason="attorney"), "e-hold"))
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

    missing = CliRunner().invoke(main, ["explain", "nobody"])
    assert missing.exit_code != 0 and "no state for debtor 'nobody'" in missing.output


def test_topics_create_makes_every_topic_once_with_the_audit_retention(
    kafka_bootstrap: str, unique_topic: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unique_topic("ops") + "."
    monkeypatch.setenv("PARLEY_KAFKA_URL", f"kafka://{kafka_bootstrap}")
    monkeypatch.setenv("PARLEY_TOPIC_PREFIX", prefix)
    first = CliRunner().invoke(main, ["topics", "create", "--partitions", "3"])
    assert first.exit_code == 0, first.output
    assert first.output.count("created") == len(ALL_TOPICS)
    again = CliRunner().invoke(main, ["topics", "create"])
    assert again.exit_code == 0 and again.output.count("exists") == len(ALL_TOPICS)

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = admin.describe_topics([f"{prefix}account-events"])
        assert len(described[0]["partitions"]) == 3
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, f"{prefix}decisions")])
        retention = configs["topic"][f"{prefix}decisions"]["retention.ms"]["value"]
        assert retention == str(Settings().decisions_retention_days * 86_400_000)
    finally:
        admin.close()
