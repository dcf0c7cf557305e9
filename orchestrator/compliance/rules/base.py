"""What every rule shares: the Rule protocol, verdict helpers, and calendar-window counting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Protocol

from orchestrator.compliance.context import RuleContext, Verdict
from orchestrator.timezones import local_midnight


class Rule(Protocol):
    """A named, versioned compliance rule (ids from COMPLIANCE.md's table)."""

    rule_id: str
    version: int

    def evaluate(self, ctx: RuleContext) -> Verdict:
        """The verdict at ``ctx.at``; a block carries the earliest moment this rule alone could allow."""
        ...


class NamedRule:
    """Base giving ``allow``/``block`` helpers that stamp the rule id and version."""

    rule_id = ""
    version = 1

    def allow(self, reason: str) -> Verdict:
        return Verdict(self.rule_id, True, reason, None, self.version)

    def block(self, reason: str, next_allowed_at: datetime | None) -> Verdict:
        return Verdict(self.rule_id, False, reason, next_allowed_at, self.version)


def clock(moment: datetime) -> str:
    """A local time as a compliance officer reads it: 'Sat 2026-03-07 07:30 EST'."""
    return moment.strftime("%a %Y-%m-%d %H:%M %Z")


def over_cap_until(days: Iterable[date], today: date, limit: int, window_days: int) -> date | None:
    """If ``limit`` or more events fall on days today-(window-1)..today, the first day that clears; else None.

    Only events on or before today count. The day that clears is the limit-th newest event's day plus
    the window length: from then on, fewer than ``limit`` events remain in the window.
    """
    start = today - timedelta(days=window_days - 1)
    in_window = sorted((d for d in days if start <= d <= today), reverse=True)
    if len(in_window) < limit:
        return None
    return in_window[limit - 1] + timedelta(days=window_days)


def day_start(ctx: RuleContext, day: date) -> datetime:
    """When ``day`` begins in the debtor's primary zone (UTC)."""
    return local_midnight(day, ctx.scope.primary)
