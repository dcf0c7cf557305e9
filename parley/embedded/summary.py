"""What a campaign did, in numbers: computed from the published outputs, as a downstream team would.

The summary reads only CloudEvent dicts (the outputs as published, and the upstream inputs such as
the payments the simulated debtors made) plus the portfolio, so it measures what Parley said it did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from parley.embedded.portfolio import Portfolio, home_zone

CHANNELS: tuple[str, ...] = ("sms", "email", "voice")
FUNNEL_STAGES: tuple[str, ...] = ("debtors", "contacted", "delivered", "replied", "promised", "paid")
_DELIVERED_TYPES = frozenset({"message.delivered", "message.opened", "message.clicked"})


@dataclass(frozen=True)
class CampaignSummary:
    """The campaign's figures; every count comes from an output or input event."""

    policy: str
    debtors: int
    accounts: int
    total_balance: Decimal
    contacts_by_channel: dict[str, int]
    suppressed_sends: int  # ``message.suppressed`` events: one per send the gates stopped
    suppressions_by_rule: dict[str, int]  # rules that stopped a send; one send may be stopped by several
    replies_by_intent: dict[str, int]
    payment_intents: int
    promises_logged: int
    payments: int
    amount_recovered: Decimal
    contacts_per_day: dict[str, dict[str, int]]  # every UTC day of the campaign, in order, days without contacts too
    send_hours: dict[int, int]
    funnel: dict[str, int]
    extras: dict[str, int] = field(default_factory=dict)

    @property
    def contacts(self) -> int:
        return sum(self.contacts_by_channel.values())

    @property
    def contacts_per_payment(self) -> float | None:
        return self.contacts / self.payments if self.payments else None

    @property
    def recovery_rate(self) -> float:
        return float(self.amount_recovered / self.total_balance) if self.total_balance else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (decimals as strings), with the derived figures."""
        raw = asdict(self)
        raw["total_balance"] = str(self.total_balance)
        raw["amount_recovered"] = str(self.amount_recovered)
        raw["send_hours"] = {str(hour): count for hour, count in self.send_hours.items()}
        raw["contacts"] = self.contacts
        raw["contacts_per_payment"] = self.contacts_per_payment
        raw["recovery_rate"] = self.recovery_rate
        return raw


def summarise(
    outputs: Iterable[Mapping[str, Any]],
    portfolio: Portfolio,
    inputs: Iterable[Mapping[str, Any]] = (),
    policy: str = "parley",
    *,
    until: datetime,
    start: datetime | None = None,
) -> CampaignSummary:
    """Count what happened from ``start`` (default: the portfolio's) up to ``until``, the campaign's end.

    ``inputs`` are the upstream events the simulated debtors caused (payments, promises); one dated
    after ``until`` was never fed to the runner, so it is not counted: the campaign did not see it.
    """
    contacts: Counter[str] = Counter()
    suppressions: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    hours: Counter[int] = Counter()
    contacted: set[str] = set()
    delivered: set[str] = set()
    replied: set[str] = set()
    promised: set[str] = set()
    paid: set[str] = set()
    payment_intents = 0
    suppressed_sends = 0
    zones: dict[str, ZoneInfo] = {}
    for event in outputs:
        kind = event.get("type")
        data = event.get("data") or {}
        debtor_id = str(event.get("subject") or data.get("debtor_id") or "")
        at = _parse_time(event["time"])
        if kind == "message.dispatched":
            channel = str(data.get("channel"))
            contacts[channel] += 1
            per_day[_utc_day(at).isoformat()][channel] += 1
            hours[at.astimezone(_zone_for(debtor_id, portfolio, zones)).hour] += 1
            contacted.add(debtor_id)
        elif kind == "message.suppressed":
            suppressed_sends += 1
            for rule in data.get("rules") or ():
                suppressions[str(rule.get("rule_id"))] += 1
        elif kind in _DELIVERED_TYPES or (kind == "call.completed" and data.get("answered_by")):
            delivered.add(debtor_id)
        elif kind == "reply.received":
            intents[str(data.get("intent", "unknown"))] += 1
            if debtor_id:
                replied.add(debtor_id)
        elif kind == "payment_intent.detected":
            payment_intents += 1
            promised.add(debtor_id)
    promises_logged = 0
    payments = 0
    recovered = Decimal(0)
    owners = {account.id: debtor_id for debtor_id, owned in portfolio.accounts.items() for account in owned}
    for event in inputs:
        if _parse_time(event["time"]) > until:
            continue
        data = event.get("data") or {}
        owner = str(event.get("subject") or owners.get(str(data.get("account_id")), ""))
        if event.get("type") == "payment.received":
            payments += 1
            recovered += Decimal(str(data.get("amount", "0")))
            paid.add(owner)
        elif event.get("type") == "promise.created":
            promises_logged += 1
            promised.add(owner)
    total_balance = sum((a.balance for owned in portfolio.accounts.values() for a in owned), Decimal(0))
    funnel = _funnel(len(portfolio.debtors), [contacted, delivered, replied, promised, paid])
    return CampaignSummary(
        policy=policy,
        debtors=len(portfolio.debtors),
        accounts=len(owners),
        total_balance=total_balance,
        contacts_by_channel={channel: contacts.get(channel, 0) for channel in CHANNELS},
        suppressed_sends=suppressed_sends,
        suppressions_by_rule=dict(suppressions.most_common()),
        replies_by_intent=dict(intents.most_common()),
        payment_intents=payment_intents,
        promises_logged=promises_logged,
        payments=payments,
        amount_recovered=recovered,
        contacts_per_day=_per_day(per_day, start or portfolio.start, until),
        send_hours={hour: hours.get(hour, 0) for hour in range(24)},
        funnel=funnel,
    )


def _per_day(per_day: Mapping[str, Counter[str]], start: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """Contacts by channel for every UTC day from ``start`` to ``until``, days without contacts included,
    so a chart of it is a continuous timeline."""
    first, last = _utc_day(start), _utc_day(until)
    if per_day:
        first, last = min(first, date.fromisoformat(min(per_day))), max(last, date.fromisoformat(max(per_day)))
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return {day.isoformat(): {c: per_day.get(day.isoformat(), Counter()).get(c, 0) for c in CHANNELS} for day in days}


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _funnel(debtors: int, stages: list[set[str]]) -> dict[str, int]:
    """Debtors who reached *at least* each stage: a debtor who paid without replying still counts as
    contacted, delivered and replied-or-further, so the funnel never widens."""
    reached: set[str] = set()
    counts: list[int] = []
    for members in reversed(stages):
        reached |= members & stages[0]
        counts.append(len(reached))
    return {"debtors": debtors, **dict(zip(FUNNEL_STAGES[1:], reversed(counts), strict=True))}


def _zone_for(debtor_id: str, portfolio: Portfolio, cache: dict[str, ZoneInfo]) -> ZoneInfo:
    zone = cache.get(debtor_id)
    if zone is None:
        try:
            zone = ZoneInfo(home_zone(portfolio.debtor(debtor_id)))
        except KeyError:
            zone = ZoneInfo("UTC")
        cache[debtor_id] = zone
    return zone


def _parse_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def format_money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def print_summary(summary: CampaignSummary, console: Console, baseline: CampaignSummary | None = None) -> None:
    """The campaign's headline figures as rich tables (and the baseline beside them, if given)."""
    headline = Table(title=f"Campaign — {summary.debtors:,} debtors, {summary.accounts:,} accounts", show_lines=False)
    headline.add_column("measure")
    headline.add_column(summary.policy, justify="right")
    if baseline is not None:
        headline.add_column(baseline.policy, justify="right")
    for label, value in _headline_rows(summary, baseline):
        headline.add_row(label, *value)
    console.print(headline)
    console.print(_count_table("Contacts by channel", summary.contacts_by_channel))
    console.print(_count_table("Suppressions by rule (a send may break several)", summary.suppressions_by_rule))
    console.print(_count_table("Replies by intent", summary.replies_by_intent))
    console.print(_count_table("Funnel (debtors)", summary.funnel))


def _headline_rows(summary: CampaignSummary, baseline: CampaignSummary | None) -> list[tuple[str, list[str]]]:
    def figures(s: CampaignSummary) -> list[str]:
        cpp = f"{s.contacts_per_payment:.1f}" if s.contacts_per_payment is not None else "—"
        return [
            f"{s.contacts:,}",
            f"{s.suppressed_sends:,}",
            f"{sum(s.replies_by_intent.values()):,}",
            f"{s.payment_intents:,} / {s.promises_logged:,}",
            f"{s.payments:,}",
            format_money(s.amount_recovered),
            f"{s.recovery_rate:.2%}",
            cpp,
        ]

    labels = (
        "contacts",
        "suppressed sends",
        "replies",
        "payment intents / promises",
        "payments",
        "amount recovered",
        "recovery rate",
        "contacts per payment",
    )
    ours = figures(summary)
    theirs = figures(baseline) if baseline is not None else None
    return [(label, [ours[i], *([theirs[i]] if theirs else [])]) for i, label in enumerate(labels)]


def _count_table(title: str, counts: Mapping[str, int]) -> Table:
    table = Table(title=title)
    table.add_column("")
    table.add_column("count", justify="right")
    for key, count in counts.items():
        table.add_row(key, f"{count:,}")
    if not counts:
        table.add_row("(none)", "0")
    return table
