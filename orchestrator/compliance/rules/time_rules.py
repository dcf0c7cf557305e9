"""When contact may happen at all: local hours, every candidate zone, stated inconvenient times, quiet days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from orchestrator.compliance.context import ContactScope, RuleContext, Verdict
from orchestrator.compliance.rules.base import ALLOWS, Check, NamedRule, clock, hours
from orchestrator.timezones import local_midnight, next_inside_window, next_inside_window_all
from orchestrator.timezones.windows import at_local, inside

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class TimeWindowFederal(NamedRule):
    """§1006.6(b)(1)(i): only [08:00, 21:00) local time in the debtor's primary zone; 21:00:00 is blocked."""

    rule_id = "time_window_federal"

    def evaluate(self, ctx: RuleContext) -> Verdict:
        policy = ctx.scope.policy
        start, end = policy.window_start, policy.window_end
        if inside(ctx.local, start, end):
            return self.allow_now(f"{clock(ctx.local)} is inside {hours(start, end)} local time.")
        opening = next_inside_window(ctx.at, ctx.scope.primary, start, end)
        return self.block(
            f"{clock(ctx.local)} is outside {hours(start, end)} local time; contact is inconvenient then.", opening
        )

    def check(self, ctx: RuleContext) -> Check:
        policy = ctx.scope.policy
        start, end = policy.window_start, policy.window_end
        if inside(ctx.local, start, end):
            return ALLOWS
        return False, next_inside_window(ctx.at, ctx.scope.primary, start, end)


class TzIntersection(NamedRule):
    """cmt 6(b)(1)(i)-2: with conflicting location data, only hours convenient in every candidate zone."""

    rule_id = "tz_intersection"

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        start, end = scope.policy.window_start, scope.policy.window_end
        outside = [clock(local) for local in ctx.in_zones() if not inside(local, start, end)]
        names = ", ".join(scope.zone_set.candidates)
        if not outside:
            return self.allow(f"Inside {hours(start, end)} in every zone the debtor may be in ({names}).")
        opening = next_inside_window_all(ctx.at, scope.zones, start, end)
        never = "" if opening else " These zones' windows never overlap, so no time is convenient."
        return self.block(
            f"Outside {hours(start, end)} in a zone the debtor may be in ({', '.join(outside)}; "
            f"candidates from {scope.zone_set.source}: {names}).{never}",
            opening,
        )

    def check(self, ctx: RuleContext) -> Check:
        scope = ctx.scope
        start, end = scope.policy.window_start, scope.policy.window_end
        for local in ctx.in_zones():
            if not inside(local, start, end):
                return False, next_inside_window_all(ctx.at, scope.zones, start, end)
        return ALLOWS


def _block_end(local: datetime, start: time, end: time, tz: ZoneInfo) -> datetime:
    day = local.date()
    if end <= start and local.time() >= start:
        day += timedelta(days=1)
    return at_local(day, end, tz)


class ConsumerTimePlaceBlock(NamedRule):
    """cmts 6(b)(1)-1, -2: times the consumer said are inconvenient; one same-medium reply to their contact."""

    rule_id = "consumer_time_place_block"

    def _blocking(self, ctx: RuleContext, moment: datetime) -> tuple[datetime, str] | None:
        local = moment.astimezone(ctx.scope.primary)
        for window in ctx.scope.state.profile.preferences.inconvenient_times:
            day = local.date()
            if window.end <= window.start and local.time() < window.end:
                day -= timedelta(days=1)  # the early part of a window that began yesterday evening
            if WEEKDAYS[day.weekday()] in window.days and inside(local, window.start, window.end):
                label = f"{'/'.join(window.days)} {hours(window.start, window.end)}"
                return _block_end(local, window.start, window.end, ctx.scope.primary), label
        return None

    def fixed(self, scope: ContactScope) -> Verdict | None:
        if scope.state.profile.preferences.inconvenient_times:
            return None
        return self.allow("Not in a time the consumer said is inconvenient.")

    def evaluate(self, ctx: RuleContext) -> Verdict:
        hit = self._blocking(ctx, ctx.at)
        if hit is None:
            return self.allow("Not in a time the consumer said is inconvenient.")
        if ctx.scope.reply_available(ctx.at):
            return self.allow(
                f"In the consumer's inconvenient time ({hit[1]}), but this is the one same-medium reply "
                "to their own contact."
            )
        moment = hit[0]
        for _ in range(16):  # adjacent or overlapping windows
            following = self._blocking(ctx, moment)
            if following is None:
                break
            moment = following[0]
        return self.block(f"{clock(ctx.local)} is in a time the consumer said is inconvenient ({hit[1]}).", moment)


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> dict[date, str]:
    """US federal holidays of a year, observed days included."""
    return dict(holidays.country_holidays("US", years=year).items())


@lru_cache(maxsize=1024)
def quiet_reason(day: date) -> str | None:
    name = federal_holidays(day.year).get(day)
    if name:
        return f"a US federal holiday ({name})"
    return "a Sunday" if day.weekday() == 6 else None


class QuietDays(NamedRule):
    """Parley policy (item 11, option on by default): no contact on Sundays and US federal holidays."""

    rule_id = "quiet_days"

    def fixed(self, scope: ContactScope) -> Verdict | None:
        return None if scope.policy.quiet_days else self.allow("Quiet days are switched off by policy.")

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        if not scope.policy.quiet_days:
            return self.allow("Quiet days are switched off by policy.")
        reasons: list[str] = []
        resume = ctx.at
        for tz, local in zip(scope.zones, ctx.in_zones(), strict=True):
            day = local.date()
            why = quiet_reason(day)
            if why:
                reasons.append(f"{day.isoformat()} is {why} in {tz.key}")
                resume = max(resume, _quiet_ends(day, tz))
        if not reasons:
            return self.allow("Not a Sunday or US federal holiday in any zone the debtor may be in.")
        return self.block("No contact on quiet days: " + "; ".join(reasons) + ".", resume)

    def check(self, ctx: RuleContext) -> Check:
        scope = ctx.scope
        if not scope.policy.quiet_days:
            return ALLOWS
        quiet = False
        resume = ctx.at
        for tz, local in zip(scope.zones, ctx.in_zones(), strict=True):
            day = local.date()
            if quiet_reason(day):
                quiet = True
                resume = max(resume, _quiet_ends(day, tz))
        return (False, resume) if quiet else ALLOWS


def _quiet_ends(day: date, tz: ZoneInfo) -> datetime:
    """When the run of quiet days starting on ``day`` ends in ``tz`` (UTC)."""
    while quiet_reason(day):
        day += timedelta(days=1)
    return local_midnight(day, tz)
