"""What every rule shares: the Rule protocol, verdict helpers, and calendar-window counting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol

from orchestrator.compliance.context import ContactScope, RuleContext, Verdict
from orchestrator.domain.model import Attempt
from orchestrator.timezones import local_midnight

Check = tuple[bool, datetime | None]  # a verdict's ``allowed`` and ``next_allowed_at``, without its reason
ALLOWS: Check = (True, None)


class Rule(Protocol):
    """A named, versioned compliance rule (ids from COMPLIANCE.md's table)."""

    rule_id: str
    version: int

    def evaluate(self, ctx: RuleContext) -> Verdict:
        """The verdict at ``ctx.at``; a block carries the earliest moment this rule alone could allow."""
        ...

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """The verdict at every moment, when for ``scope`` it does not depend on the moment; else None."""
        ...

    def check(self, ctx: RuleContext) -> Check:
        """``evaluate``'s allowed and next_allowed_at, without the reason: all the search needs."""
        ...


@lru_cache(maxsize=1024)
def _allowing(rule_id: str, version: int, reason: str) -> Verdict:
    return Verdict(rule_id, True, reason, None, version)


class NamedRule:
    """Base giving ``allow``/``block`` helpers that stamp the rule id and version.

    ``fixed`` and ``check`` exist for speed: the engine evaluates a rule with a fixed verdict once per
    decision, not at every moment ``next_slot`` tries, and at those moments asks the others only for a
    ``check``, whose reason nobody would read. The defaults are always right; a rule overrides them
    where its verdict is often fixed or its reason costly to write.
    """

    rule_id = ""
    version = 1

    def allow(self, reason: str) -> Verdict:
        """An allowing verdict. The same few reasons recur in every decision, so each verdict (a frozen
        value) is built once."""
        return _allowing(self.rule_id, self.version, reason)

    def allow_now(self, reason: str) -> Verdict:
        """An allowing verdict whose reason names the moment, so not worth keeping."""
        return Verdict(self.rule_id, True, reason, None, self.version)

    def block(self, reason: str, next_allowed_at: datetime | None) -> Verdict:
        return Verdict(self.rule_id, False, reason, next_allowed_at, self.version)

    def evaluate(self, ctx: RuleContext) -> Verdict:
        raise NotImplementedError

    def fixed(self, scope: ContactScope) -> Verdict | None:
        return None

    def check(self, ctx: RuleContext) -> Check:
        verdict = self.evaluate(ctx)
        return ALLOWS if verdict.allowed else (False, verdict.next_allowed_at)


class TimelessRule(NamedRule):
    """A rule whose verdict depends on the debtor and the contact, never on the moment."""

    def verdict(self, scope: ContactScope) -> Verdict:
        raise NotImplementedError

    def evaluate(self, ctx: RuleContext) -> Verdict:
        return self.verdict(ctx.scope)

    def fixed(self, scope: ContactScope) -> Verdict | None:
        return self.verdict(scope)


def hours(start: time, end: time) -> str:
    """'08:00–21:00'; the same text as ``f"{start:%H:%M}–{end:%H:%M}"``, without strftime calls."""
    return f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"


def some_debt_reaches(attempts: Sequence[Attempt], account_ids: Iterable[str], limit: int) -> bool:
    """Whether one of the debts ``account_ids`` has at least ``limit`` of ``attempts``."""
    return any(sum(account_id in a.account_ids for a in attempts) >= limit for account_id in account_ids)


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
