"""Which channel and which number or address a due send goes to, and whether it may go now.

Every candidate destination is put to the compliance engine; the first one it allows wins. When
none is allowed now, the earliest moment one would be is where the send moves; when none ever
would be, the send is suppressed with the rules that block it. For ``best`` steps the channel
policy picks the channel and hour band among the channels that are not blocked for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from orchestrator.compliance import Decision, Policy, ProposedContact, decide, next_slot
from orchestrator.compliance.context import REPLY_PURPOSE
from orchestrator.domain import DebtorState
from orchestrator.events import Channel
from orchestrator.policy.channel_choice import aim_at_band, ranked_choices
from orchestrator.service.sends import PlannedSend

CHANNELS: tuple[Channel, ...] = ("sms", "email", "voice")


def destinations(state: DebtorState, channel: Channel) -> list[str]:
    """Every number or address of the debtor the channel could use, in profile order."""
    if channel == "email":
        return [email.address for email in state.profile.emails]
    if channel == "sms":
        return [phone.number for phone in state.profile.phones if phone.type == "mobile"]
    return [phone.number for phone in state.profile.phones]


@dataclass(frozen=True, slots=True)
class Target:
    """The outcome of targeting: a contact and its decision, and when to act on it."""

    contact: ProposedContact | None
    decision: Decision | None
    send_at: datetime | None  # None: never (suppress); == now: send now; later: move the send

    def ready(self, now: datetime) -> bool:
        """True when the send may go out at ``now``."""
        return self.send_at is not None and self.send_at <= now and self.decision is not None and self.decision.allowed


REPLY_PURPOSES = frozenset({"reply", "opt_out_confirmation"})


def _contact(
    planned: PlannedSend, channel: Channel, destination: str, now: datetime, policy: Policy
) -> ProposedContact:
    purpose = planned.purpose
    if purpose == REPLY_PURPOSE and now - planned.cause_time > policy.reply_window:
        purpose = planned.template_id  # too late to be a reply: an ordinary message of its template's kind
    return ProposedContact(
        channel=channel,
        destination=destination,
        account_ids=planned.account_ids,
        purpose=purpose,
        is_reply_to_inbound=purpose in REPLY_PURPOSES,
    )


def target_channel(state: DebtorState, planned: PlannedSend, channel: Channel, now: datetime, policy: Policy) -> Target:
    """The best destination on one channel: allowed now, else soonest allowed, else blocked for good."""
    first: tuple[ProposedContact, Decision] | None = None
    soonest: tuple[datetime, ProposedContact, Decision] | None = None
    for destination in [planned.destination] if planned.destination else destinations(state, channel):
        contact = _contact(planned, channel, destination, now, policy)
        decision = decide(state, contact, now, policy)
        if decision.allowed:
            return Target(contact, decision, now)
        first = first or (contact, decision)
        moment = decision.next_allowed_at  # the engine's own search: the earliest moment every rule allows
        if moment is not None and (soonest is None or moment < soonest[0]):
            soonest = (moment, contact, decision)
    if soonest is not None:
        return Target(soonest[1], soonest[2], soonest[0])
    if first is not None:
        return Target(first[0], first[1], None)
    return Target(None, None, None)


def naive_target(
    state: DebtorState,
    planned: PlannedSend,
    now: datetime,
    policy: Policy,
    zone: ZoneInfo,
    template_channels: Sequence[str] = CHANNELS,
) -> tuple[Channel | None, Target, str]:
    """The baseline a demo compares against: a fixed channel order (sms, email, voice) and a fixed
    10:00 local send time — inside the same legal gates."""
    if planned.channel != "best":
        order: list[Channel] = [planned.channel]  # type: ignore[list-item]
    else:
        order = [channel for channel in CHANNELS if channel in template_channels]
    if not order:
        return None, Target(None, None, None), "no channel is eligible"
    fallback: tuple[Channel, Target] | None = None  # the first channel's, when none is ever allowed
    for channel in order:  # only as many channels are judged as it takes to find one
        chosen = target_channel(state, planned, channel, now, policy)
        if chosen.send_at is not None:
            break
        fallback = fallback or (channel, chosen)
    else:
        assert fallback is not None
        channel, chosen = fallback
    if chosen.contact is None or chosen.send_at is None:
        return channel, chosen, "fixed channel order"
    local = chosen.send_at.astimezone(zone)
    ten = local.replace(hour=10, minute=0, second=0, microsecond=0)
    aimed = ten if ten >= local else ten + timedelta(days=1)
    if aimed.astimezone(chosen.send_at.tzinfo) > chosen.send_at + timedelta(minutes=1):
        moment = next_slot(state, chosen.contact, aimed, policy)
        if moment is not None:
            return channel, Target(chosen.contact, chosen.decision, moment), "fixed 10:00 send time"
    return channel, chosen, "fixed channel order"


def target(
    state: DebtorState,
    planned: PlannedSend,
    now: datetime,
    policy: Policy,
    zone: ZoneInfo,
    template_channels: Sequence[str] = CHANNELS,
) -> tuple[Channel | None, Target, str]:
    """Channel, target and the reason for the channel (fixed by the cadence, or chosen among the
    channels the template has a variant for)."""
    if planned.channel != "best":
        channel: Channel = planned.channel  # type: ignore[assignment]
        return channel, target_channel(state, planned, channel, now, policy), "fixed by the cadence"
    candidates = [channel for channel in CHANNELS if channel in template_channels]
    ranking = ranked_choices(planned.send_id, candidates, state.profile.preferences.channels, state.response_history())
    blocked: tuple[Channel, Target] | None = None
    for choice in ranking:  # best first; only as many channels are judged as it takes to find one
        chosen = target_channel(state, planned, choice.channel, now, policy)
        if chosen.contact is not None and chosen.send_at is not None:
            break
        if blocked is None and chosen.decision is not None:
            blocked = (choice.channel, chosen)
    else:
        if blocked is None:
            return None, Target(None, None, None), "no channel is eligible"
        return blocked[0], blocked[1], "no channel is eligible"
    assert chosen.contact is not None and chosen.send_at is not None
    aimed = aim_at_band(chosen.send_at, choice.band, zone)
    if aimed > chosen.send_at:
        moment = next_slot(state, chosen.contact, aimed, policy)
        if moment is not None:
            return choice.channel, Target(chosen.contact, chosen.decision, moment), choice.reason
    return choice.channel, chosen, choice.reason


def choose_target(
    state: DebtorState,
    planned: PlannedSend,
    now: datetime,
    policy: Policy,
    zone: ZoneInfo,
    template_channels: Sequence[str] = CHANNELS,
    *,
    naive: bool = False,
) -> tuple[Channel | None, Target, str]:
    """``target``, or the demo baseline's ``naive_target``."""
    return (naive_target if naive else target)(state, planned, now, policy, zone, template_channels)


def aimed(
    state: DebtorState,
    planned: PlannedSend,
    policy: Policy,
    zone: ZoneInfo,
    template_channels: Sequence[str] = CHANNELS,
    *,
    naive: bool = False,
) -> PlannedSend:
    """The send planned for when targeting would send it, judged on the state at planning: a step due
    in the debtor's night is planned for their morning, not claimed at night only to be moved. A hint —
    the dispatch re-checks everything when the send falls due (the state may have changed by then)."""
    _, chosen, _ = choose_target(state, planned, planned.due_at, policy, zone, template_channels, naive=naive)
    if chosen.send_at is not None and chosen.send_at > planned.due_at:
        return replace(planned, due_at=chosen.send_at)
    return planned
