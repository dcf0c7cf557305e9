"""How often: 7 calls in 7 days, the week after a conversation, bursts, and state packs' caps."""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestrator.compliance.context import ContactScope, RuleContext, Verdict
from orchestrator.compliance.policy import CountCap, StatePack
from orchestrator.compliance.rules.base import NamedRule, clock, day_start, hours, over_cap_until, some_debt_reaches
from orchestrator.domain.model import Attempt
from orchestrator.timezones import next_inside_window_all
from orchestrator.timezones.windows import inside


class Call7In7(NamedRule):
    """§1006.14(b)(2)(i)(A): before a call on day D, at most 6 counted calls about the debt on days D-6..D."""

    rule_id = "call_7in7"

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """Allowed at every moment when not a call, or when no debt has the cap's number of calls at all."""
        if scope.contact.channel != "voice":
            return self.allow("Not a call.")
        limit = scope.policy.max_calls_per_7_days
        calls = [a for a in scope.state.ledger if a.counted_call]
        if not some_debt_reaches(calls, scope.account_ids, limit):
            return self._under_cap(limit)
        return None

    def _under_cap(self, limit: int) -> Verdict:
        return self.allow(f"Fewer than {limit} counted calls about each debt on the 7 calendar days ending today.")

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        if scope.contact.channel != "voice":
            return self.allow("Not a call.")
        limit = scope.policy.max_calls_per_7_days
        blocked: list[str] = []
        clears = ctx.today
        for account_id in scope.account_ids:
            days = [day for a, day in scope.ledger_days if a.counted_call and account_id in a.account_ids]
            until = over_cap_until(days, ctx.today, limit, 7)
            if until is not None:
                blocked.append(account_id)
                clears = max(clears, until)
        if not blocked:
            return self._under_cap(limit)
        return self.block(
            f"{limit} counted calls already made about account(s) {', '.join(blocked)} on the 7 calendar days "
            f"ending {ctx.today.isoformat()}; the next call is allowed from {clears.isoformat()}.",
            day_start(ctx, clears),
        )


class CallPostConversation(NamedRule):
    """§1006.14(b)(2)(i)(B): a conversation about a debt on day C blocks calls about it on days C..C+6."""

    rule_id = "call_post_conversation"

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """Allowed at every moment when not a call, or when no conversation was about these debts."""
        if scope.contact.channel != "voice":
            return self.allow("Not a call.")
        if any(_about(conversation.account_ids, scope) for conversation in scope.state.conversations):
            return None
        return self._no_conversation(scope.policy.conversation_block_days)

    def _no_conversation(self, block_days: int) -> Verdict:
        return self.allow(f"No conversation about these debts in the last {block_days} calendar days.")

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        if scope.contact.channel != "voice":
            return self.allow("Not a call.")
        block_days = scope.policy.conversation_block_days
        latest = None
        for conversation in scope.state.conversations:
            if not _about(conversation.account_ids, scope):
                continue
            day = scope.local_day(conversation.at)
            if day <= ctx.today < day + timedelta(days=block_days) and (latest is None or day > latest):
                latest = day
        if latest is None:
            return self._no_conversation(block_days)
        clears = latest + timedelta(days=block_days)
        return self.block(
            f"A conversation about these debts took place on {latest.isoformat()}; no calls about them "
            f"until {clears.isoformat()}.",
            day_start(ctx, clears),
        )


def _about(account_ids: tuple[str, ...], scope: ContactScope) -> bool:
    return any(account_id in account_ids for account_id in scope.account_ids)


def _last_before(attempts: list[Attempt], at: datetime) -> Attempt | None:
    previous = [a for a in attempts if a.at <= at]
    return max(previous, key=lambda a: a.at) if previous else None


_WITHIN_BURST_LIMITS = "Within the burst limits (call gap, calls per day, messages per week)."


def _message_limit(scope: ContactScope) -> int | None:
    """The cap on this text or email's channel; None for a reply or an opt-out confirmation, not capped."""
    contact = scope.contact
    if contact.is_reply or contact.purpose == "opt_out_confirmation":
        return None
    return scope.policy.max_sms_per_window if contact.channel == "sms" else scope.policy.max_email_per_window


class BurstGuard(NamedRule):
    """cmts 14(b)(2)(i)-2, 14(a)-2: a gap between calls, a daily call cap, weekly SMS and email caps."""

    rule_id = "burst_guard"

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """Allowed at every moment when no limit can be reached: a first call, fewer messages than the cap
        in the whole ledger, or a reply (replies and opt-out confirmations are not capped)."""
        channel = scope.contact.channel
        if channel == "voice":
            if not any(a.channel == "voice" for a in scope.state.ledger):
                return self.allow(_WITHIN_BURST_LIMITS)
            return None
        limit = _message_limit(scope)
        if limit is not None and sum(a.channel == channel and a.counted_message for a in scope.state.ledger) >= limit:
            return None
        return self.allow(_WITHIN_BURST_LIMITS)

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        policy = scope.policy
        channel = scope.contact.channel
        reasons: list[str] = []
        resume = ctx.at
        if channel == "voice":
            calls = [a for a, _ in scope.ledger_days if a.channel == "voice"]
            last = _last_before(calls, ctx.at)
            if last is not None and ctx.at < last.at + policy.min_call_gap:
                minutes = int(policy.min_call_gap.total_seconds() // 60)
                reasons.append(
                    f"the last call was less than {minutes} minutes ago ({clock(last.at.astimezone(scope.primary))})"
                )
                resume = max(resume, last.at + policy.min_call_gap)
            today_calls = [
                day for a, day in scope.ledger_days if a.channel == "voice" and day == ctx.today and a.at <= ctx.at
            ]
            if len(today_calls) >= policy.max_calls_per_day:
                reasons.append(f"{len(today_calls)} calls already placed today (cap {policy.max_calls_per_day})")
                resume = max(resume, day_start(ctx, ctx.today + timedelta(days=1)))
        elif (limit := _message_limit(scope)) is not None:
            window = policy.message_window_days
            days = [
                day for a, day in scope.ledger_days if a.channel == channel and a.counted_message and a.at <= ctx.at
            ]
            until = over_cap_until(days, ctx.today, limit, window)
            if until is not None:
                reasons.append(f"{limit} {channel} messages already sent in the {window} calendar days ending today")
                resume = max(resume, day_start(ctx, until))
        if not reasons:
            return self.allow(_WITHIN_BURST_LIMITS)
        return self.block("Too many contacts too close together: " + "; ".join(reasons) + ".", resume)


def _counts(attempt: Attempt, cap: CountCap) -> bool:
    """Whether ``attempt`` is one of ``cap``'s contacts. A cap that does not exempt replies counts the
    replies and opt-out confirmations already sent too (Massachusetts: every call and text)."""
    if attempt.channel == "voice":
        return attempt.counted_call
    return attempt.outcome != "failed" if not cap.exempt_replies else attempt.counted_message


def _capped(scope: ContactScope, cap: CountCap) -> bool:
    """Whether ``cap`` counts this contact: one of its channels, and not a reply when it exempts them."""
    return scope.contact.channel in cap.channels and not (cap.exempt_replies and scope.contact.is_reply)


def _in_state(scope: ContactScope, pack: StatePack) -> bool:
    address = scope.state.profile.address
    return address is not None and address.state.upper() == pack.state


class StatePackRule(NamedRule):
    """A state's stricter caps and hours, from a ``StatePack`` row (data, not code)."""

    def __init__(self, pack: StatePack) -> None:
        self.pack = pack
        self.rule_id = pack.rule_id

    def _cap_until(self, ctx: RuleContext, cap: CountCap) -> tuple[str, datetime] | None:
        scope = ctx.scope
        if not _capped(scope, cap):
            return None
        relevant = [
            (a, day) for a, day in scope.ledger_days if a.channel in cap.channels and _counts(a, cap) and a.at <= ctx.at
        ]
        channels = " and ".join(sorted(cap.channels))
        groups = [(f"account {aid}", aid) for aid in scope.account_ids] if cap.per_debt else [("the debtor", None)]
        worst: tuple[str, datetime] | None = None
        for label, account_id in groups:
            days = [day for a, day in relevant if account_id is None or account_id in a.account_ids]
            until = over_cap_until(days, ctx.today, cap.limit, cap.days)
            if until is not None:
                moment = day_start(ctx, until)
                if worst is None or moment > worst[1]:
                    worst = (f"{cap.limit} {channels} contacts with {label} in {cap.days} calendar days", moment)
        return worst

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """Allowed at every moment when the debtor is not in the state, or when the state has no hours of
        its own and no cap can be reached (the contact is not capped, or too few contacts in the ledger)."""
        pack = self.pack
        if not _in_state(scope, pack):
            return self._elsewhere()
        if pack.allowed_hours or any(self._may_reach(scope, cap) for cap in pack.caps):
            return None
        return self._within()

    def _elsewhere(self) -> Verdict:
        return self.allow(f"The debtor's address is not in {self.pack.state}.")

    def _within(self) -> Verdict:
        return self.allow(f"Within {self.pack.state}'s limits ({self.pack.citation}).")

    def _may_reach(self, scope: ContactScope, cap: CountCap) -> bool:
        """Whether ``cap`` could stop this contact at some moment: it applies, and some debt (or the
        debtor) has at least ``limit`` counted contacts in the whole ledger."""
        if not _capped(scope, cap):
            return False
        counted = [a for a in scope.state.ledger if a.channel in cap.channels and _counts(a, cap)]
        if not cap.per_debt:
            return len(counted) >= cap.limit
        return some_debt_reaches(counted, scope.account_ids, cap.limit)

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        pack = self.pack
        if not _in_state(scope, pack):
            return self._elsewhere()
        reasons: list[str] = []
        resume: datetime | None = ctx.at
        if pack.allowed_hours:
            start, end = pack.allowed_hours
            if not all(inside(local, start, end) for local in ctx.in_zones()):
                reasons.append(f"{pack.state} allows contact only {hours(start, end)} local time")
                opening = next_inside_window_all(ctx.at, scope.zones, start, end)
                resume = None if opening is None or resume is None else max(resume, opening)
        for cap in pack.caps:
            hit = self._cap_until(ctx, cap)
            if hit:
                reasons.append(f"{pack.state} caps reached: {hit[0]}")
                resume = None if resume is None else max(resume, hit[1])
        if not reasons:
            return self._within()
        return self.block("; ".join(reasons) + f" ({pack.citation}).", resume)
