"""``parley explain DEBTOR_ID``: a debtor's ledger, holds, opt-outs and every channel's verdicts now."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import click

from parley.settings import Settings


async def _explain(debtor_id: str, at: datetime) -> dict[str, Any] | None:
    from orchestrator.service.explain import explain
    from orchestrator.service.record import DebtorRecord
    from parley.bootstrap import policy_from_settings
    from parley.store.redis_store import open_state_store

    settings = Settings()
    store, connection = await open_state_store(settings)
    try:
        loaded = await store.load(debtor_id, "explain")
    finally:
        await connection.aclose()
    if loaded.state is None:
        return None
    return explain(DebtorRecord.from_bytes(loaded.state), at, policy_from_settings(settings))


@click.command()
@click.argument("debtor_id")
@click.option("--at", "at", help="Judge at this ISO time instead of now.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def explain(debtor_id: str, at: str | None, as_json: bool) -> None:
    """Explain, from the state in Redis (PARLEY_STATE_URL), what Parley may do for DEBTOR_ID and why."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else datetime.now(UTC)
    report = asyncio.run(_explain(debtor_id, moment))
    if report is None:
        raise click.ClickException(f"no state for debtor {debtor_id!r}")
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{debtor_id}[/] at {report['at']}")
    for title, rows in (("accounts", report["accounts"]), ("holds", report["holds"]), ("opt-outs", report["opt_outs"])):
        console.print(f"{title}: {rows or 'none'}")
    ledger = Table("at", "channel", "outcome", "accounts", "purpose", title="contact ledger")
    for entry in report["ledger"]:
        ledger.add_row(
            entry["at"], entry["channel"], entry["outcome"], ",".join(entry["account_ids"]), entry["purpose"]
        )
    console.print(ledger)
    verdicts = Table("channel", "destination", "now", "next allowed", "blocking rules", title="verdicts")
    for row in report["channels"]:
        blocking = "; ".join(f"{v['rule_id']}: {v['reason']}" for v in row["verdicts"] if not v["allowed"])
        verdicts.add_row(
            row["channel"],
            row["destination"],
            "yes" if row["allowed_now"] else "no",
            row["next_allowed_at"] or "-",
            blocking,
        )
    console.print(verdicts)
