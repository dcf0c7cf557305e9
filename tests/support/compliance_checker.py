"""An independent compliance checker: recomputes COMPLIANCE.md's invariants from the published record.

It reads only CloudEvent dicts — the inputs (profiles, holds, conversations, provider events) and the
outputs (``message.dispatched``, the ``message.scheduled`` that announced each send with its purpose,
outcomes, replies) — and knows nothing of the engine: its own zone table (``tests/support/zones.py``),
its own opt-out words, its own calendar arithmetic. If the engine and this checker disagree, one of
them is wrong, and the test says which send and why.

A send is a reply, or an opt-out confirmation, because of what it is (its purpose, else its template),
never because of when it went out: a reply must also answer the debtor's latest message from that
destination, promptly, and only one send answers each message.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import phonenumbers
from phonenumbers import timezone as phone_timezone

from tests.support.zones import address_zones

Event = Mapping[str, Any]

# COMPLIANCE.md §2: Twilio's opt-out keywords, the TCPA's revocation words, and the Spanish carrier keyword.
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "stop all", "alto"}
)
# COMPLIANCE.md item 5: only START (or UNSTOP) by text reopens SMS; "YES" or any other wording does not.
OPT_IN_WORDS = frozenset({"start", "unstop"})
OPT_OUT_PHRASES = (
    "stop texting", "stop messaging", "stop sending", "stop emailing", "no more texts", "no more messages",
    "unsubscribe", "optout", "stop por favor", "por favor stop", "no me manden", "no me escriban",
    "dejen de escribirme", "dejen de mandarme",
)  # fmt: skip
STOP_CALLS_KEYPAD = "keypad:9"
HARD_HOLDS = frozenset({"cease", "attorney", "bankruptcy", "deceased"})
# The intents of a ``reply.received`` that place a hold on every account of the debtor (COMPLIANCE item 6).
REPLY_HOLD_INTENTS = {
    "cease_communication": "cease",
    "attorney": "attorney",
    "bankruptcy": "bankruptcy",
    "deceased": "deceased",
    "dispute": "dispute",
}
REPLY_PURPOSE = "reply"
OPT_OUT_CONFIRMATION = "opt_out_confirmation"  # both the purpose and the template of the one confirmation
ANSWERING_PURPOSES = frozenset({REPLY_PURPOSE, OPT_OUT_CONFIRMATION})
# Templates that only ever answer the debtor (used when no ``message.scheduled`` says a send's purpose).
REPLY_ONLY_TEMPLATES = frozenset({"help_reply"})
# What a dispute hold still lets out (COMPLIANCE item 6).
VALIDATION_PURPOSES = frozenset({"validation_notice", "verification_notice"})
UNCOUNTED_CALL_WORDS = ("busy", "not connected", "canceled", "cancelled", "failed", "unreachable", "invalid")
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Violation:
    """One send that broke one invariant, with what the checker saw."""

    rule: str
    debtor_id: str
    send_id: str
    time: datetime
    detail: str


@dataclass(frozen=True)
class CheckerPolicy:
    """The policy parameters the checker holds the engine to (COMPLIANCE.md defaults)."""

    quiet_sundays: bool = True
    quiet_holidays: bool = True
    calls_per_debt_per_7_days: int = 7
    calls_per_day: int = 3
    min_call_gap: timedelta = timedelta(minutes=5)
    sms_per_7_days: int = 3
    emails_per_7_days: int = 3
    conversation_min_duration_s: int = 30
    opt_out_confirmation_window: timedelta = timedelta(minutes=5)
    reply_window: timedelta = timedelta(minutes=15)
    validation_template_marker: str = "validation"
    ma_contacts_per_debt_per_7_days: int = 2
    wa_communications_per_7_days: int = 3


@dataclass
class _Send:
    send_id: str
    debtor_id: str
    at: datetime
    channel: str
    to: str
    account_ids: tuple[str, ...]
    template_id: str
    purpose: str
    counted: bool = True
    is_reply: bool = False


@dataclass
class _Debtor:
    profile: dict[str, Any]
    holds: dict[str | None, set[str]] = field(default_factory=lambda: defaultdict(set))
    sends: list[_Send] = field(default_factory=list)


def check_compliance(
    inputs: Iterable[Event], outputs: Iterable[Event], policy: CheckerPolicy | None = None
) -> list[Violation]:
    """Every violation in the record; an empty list means every dispatched send was allowed."""
    return _Checker(policy or CheckerPolicy()).run(list(inputs), list(outputs))


def is_opt_out(text: str) -> bool:
    """The checker's own reading of a reply: a Twilio keyword, or a phrase that plainly asks to stop."""
    normal = _normalise(text)
    return normal in OPT_OUT_WORDS or any(phrase in normal for phrase in OPT_OUT_PHRASES)


def is_opt_in(text: str) -> bool:
    """The checker's own reading of an opt-in: START or UNSTOP alone, nothing else (COMPLIANCE item 5)."""
    return _normalise(text) in OPT_IN_WORDS


def _normalise(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = re.sub(r"opt[\s_-]*out", "optout", ascii_text)
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9:]", " ", ascii_text)).strip()


def destination_key(channel: str, raw: str) -> str:
    """A number as given, or an email address in lower case without its display name."""
    value = raw.strip()
    if channel != "email":
        return value
    if "<" in value and value.endswith(">"):
        value = value[value.rindex("<") + 1 : -1]
    return value.lower()


def purpose_of(template_id: str, announced: str | None) -> str:
    """Why a send went out: the purpose its ``message.scheduled`` announced, else what its template says."""
    if announced:
        return announced
    if template_id == OPT_OUT_CONFIRMATION:
        return OPT_OUT_CONFIRMATION
    return REPLY_PURPOSE if template_id in REPLY_ONLY_TEMPLATES else template_id


def in_stated_window(local: datetime, window: Mapping[str, Any]) -> bool:
    """Whether a local moment is inside a stated inconvenient window.

    A window whose end is not after its start wraps past midnight: on each day it names, it runs from
    the start to midnight and on into the next morning until the end (weekdays 20:00–09:00 covers
    Friday night and Saturday morning, but not Monday morning after a Sunday it does not name)."""
    start, end = time.fromisoformat(str(window["start"])), time.fromisoformat(str(window["end"]))
    days = window["days"]
    today, yesterday = _WEEKDAY_NAMES[local.weekday()], _WEEKDAY_NAMES[(local.weekday() - 1) % 7]
    moment = local.time()
    if start < end:
        return today in days and start <= moment < end
    return (today in days and moment >= start) or (yesterday in days and moment < end)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class _Checker:
    def __init__(self, policy: CheckerPolicy) -> None:
        self.policy = policy
        self.debtors: dict[str, _Debtor] = {}
        self.owner: dict[str, str] = {}
        self.opt_outs: dict[tuple[str, str], datetime] = {}  # (medium, destination) -> since
        self.confirmed: set[tuple[str, str, datetime]] = set()  # opt-outs (medium, destination, since) confirmed
        self.inbound: dict[tuple[str, str], list[datetime]] = defaultdict(list)
        self.answered: set[tuple[str, str, datetime]] = set()  # inbound messages a reply has answered
        self.purposes: dict[str, str] = {}  # send id -> the purpose its message.scheduled announced
        self.conversations: dict[str, list[datetime]] = defaultdict(list)  # account -> when
        self.violations: list[Violation] = []
        self.failed_messages: set[str] = set()
        self.holidays: dict[int, holidays.HolidayBase] = {}

    # --- timeline --------------------------------------------------------------------------

    def run(self, inputs: list[Event], outputs: list[Event]) -> list[Violation]:
        sends = {e["data"]["send_id"]: e for e in outputs if e.get("type") == "message.dispatched"}
        self.purposes = {
            e["data"]["send_id"]: str(e["data"]["purpose"])
            for e in outputs
            if e.get("type") == "message.scheduled" and (e.get("data") or {}).get("purpose")
        }
        by_provider_id = {e["data"].get("provider_message_id"): sid for sid, e in sends.items()}
        uncounted = self._uncounted_calls(inputs, outputs, by_provider_id)
        # A text or email the provider reported failed (bounced, undelivered) never reached the debtor:
        # like an unconnected call, it does not count toward the message caps (COMPLIANCE.md items 4, 10).
        self.failed_messages = {
            e["data"]["send_id"]
            for e in outputs
            if e.get("type") == "message.failed" and (e.get("data") or {}).get("channel") in ("sms", "email")
        }
        timeline: list[tuple[datetime, int, str, Event]] = []
        for event in (*inputs, *outputs):
            kind = str(event.get("type", ""))
            at = _parse_time(event["time"])
            timeline.append((at, 1 if kind == "message.dispatched" else 0, kind, event))
        timeline.sort(key=lambda item: (item[0], item[1]))
        for at, _, kind, event in timeline:
            data = event.get("data") or {}
            if kind == "message.dispatched":
                self._check_send(event, at, counted=data["send_id"] not in uncounted)
            else:
                self._apply_fact(kind, event, data, at, sends, by_provider_id)
        return self.violations

    def _uncounted_calls(self, inputs: list[Event], outputs: list[Event], by_provider_id: dict[Any, str]) -> set[str]:
        uncounted: set[str] = set()
        for event in outputs:
            data = event.get("data") or {}
            if event.get("type") == "message.failed" and data.get("channel") == "voice":
                reason = f"{data.get('reason', '')} {data.get('error_code') or ''}".lower()
                if any(word in reason for word in UNCOUNTED_CALL_WORDS) and "no-answer" not in reason:
                    uncounted.add(data["send_id"])
        for event in inputs:
            data = event.get("data") or {}
            is_call_status = event.get("type") == "provider.status" and data.get("channel") == "voice"
            if is_call_status and data.get("status") in ("busy", "failed", "canceled"):
                send_id = by_provider_id.get(data.get("provider_message_id"))
                if send_id:
                    uncounted.add(send_id)
        return uncounted

    def _apply_fact(
        self, kind: str, event: Event, data: Mapping[str, Any], at: datetime,
        sends: Mapping[str, Event], by_provider_id: Mapping[Any, str],
    ) -> None:  # fmt: skip
        debtor_id = event.get("subject")
        if kind == "account.placed":
            profile = dict(data["debtor"])
            known = self.debtors.get(profile["id"])
            if known is None:
                self.debtors[profile["id"]] = _Debtor(profile=profile)
                self._record_profile_opt_outs(profile, at)
            self.owner[data["account"]["id"]] = profile["id"]
        elif kind == "debtor.updated" and debtor_id in self.debtors:
            patch = {k: v for k, v in dict(data["debtor"]).items() if v is not None}
            self.debtors[debtor_id].profile.update(patch)
            self._record_profile_opt_outs(patch, at)
        elif kind == "hold.placed" and debtor_id in self.debtors:
            self.debtors[debtor_id].holds[data.get("account_id")].add(data["reason"])
        elif kind == "hold.released" and debtor_id in self.debtors:
            self.debtors[debtor_id].holds[data.get("account_id")].discard(data["reason"])
        elif kind == "conversation.logged":
            for account_id in data.get("account_ids", ()):
                self.conversations[account_id].append(_parse_time(data.get("at", at)))
        elif kind == "call.completed":
            if (
                data.get("answered_by") == "human"
                and (data.get("duration_s") or 0) >= self.policy.conversation_min_duration_s
            ):
                for account_id in data.get("account_ids", ()):
                    self.conversations[account_id].append(at)
        elif kind == "provider.status" and data.get("channel") == "voice":
            send = sends.get(by_provider_id.get(data.get("provider_message_id"), ""))
            human = data.get("answered_by") == "human"
            if send and human and (data.get("duration_s") or 0) >= self.policy.conversation_min_duration_s:
                for account_id in send["data"].get("account_ids", ()):
                    self.conversations[account_id].append(at)
        elif kind in ("provider.inbound", "reply.received"):
            self._apply_inbound(data, at)
            if kind == "reply.received":
                self._apply_reply_hold(event, data)

    def _apply_reply_hold(self, event: Event, data: Mapping[str, Any]) -> None:
        """A reply the engine read as a cease, attorney, bankruptcy, deceased or dispute notice holds
        every account of the debtor, as the same hold placed upstream would, until ``hold.released``."""
        reason = REPLY_HOLD_INTENTS.get(str(data.get("intent")))
        debtor_id = data.get("debtor_id") or event.get("subject")
        if reason is not None and debtor_id in self.debtors:
            self.debtors[str(debtor_id)].holds[None].add(reason)

    def _apply_inbound(self, data: Mapping[str, Any], at: datetime) -> None:
        channel = str(data.get("channel", "sms"))
        sender = destination_key(channel, str(data.get("from") or data.get("from_") or ""))
        text = str(data.get("text", ""))
        self.inbound[(channel, sender)].append(at)
        if text.strip().lower() == STOP_CALLS_KEYPAD:
            self.opt_outs.setdefault(("voice", sender), at)
        elif is_opt_out(text) and channel in ("sms", "email"):
            self.opt_outs.setdefault((channel, sender), at)
        elif is_opt_in(text) and channel == "sms":
            self.opt_outs.pop(("sms", sender), None)

    def _record_profile_opt_outs(self, profile: Mapping[str, Any], at: datetime) -> None:
        for opt_out in profile.get("opt_outs") or ():
            channel = opt_out["channel"]
            destination = opt_out.get("destination")
            if destination is None:
                media = profile.get("emails") if channel == "email" else profile.get("phones")
                keys = [m.get("address") or m.get("number") for m in (media or ())]
            else:
                keys = [destination]
            for key in keys:
                self.opt_outs.setdefault((channel, destination_key(channel, str(key))), at)

    # --- the checks --------------------------------------------------------------------------

    def _check_send(self, event: Event, at: datetime, counted: bool) -> None:
        data = event["data"]
        debtor_id = str(event.get("subject") or data.get("debtor_id"))
        template_id = str(data.get("template_id", ""))
        send = _Send(
            send_id=data["send_id"], debtor_id=debtor_id, at=at, channel=data["channel"], to=data["to"],
            account_ids=tuple(data.get("account_ids", ())), template_id=template_id,
            purpose=purpose_of(template_id, self.purposes.get(data["send_id"])),
            counted=counted and data["channel"] == "voice",
        )  # fmt: skip
        debtor = self.debtors.get(debtor_id)
        if debtor is None:
            self._flag("unknown_debtor", send, "dispatched to a debtor no account.placed introduced")
            return
        send.is_reply = self._answers_inbound(send)
        self._check_hours(debtor, send)
        self._check_quiet_days(debtor, send)
        self._check_inconvenient_times(debtor, send)
        self._check_consent(debtor, send)
        self._check_opt_out(send)
        self._check_holds(debtor, send)
        if send.channel == "voice":
            self._check_calls(debtor, send)
        else:
            self._check_message_caps(debtor, send)
        self._check_state_packs(debtor, send)
        debtor.sends.append(send)

    def _answers_inbound(self, send: _Send) -> bool:
        """Whether the send is the one same-medium reply to the debtor's latest message from its
        destination: sent as a reply (or an opt-out confirmation), within the reply window of that
        message, and the first send to answer it. Anything else is an ordinary contact."""
        if send.purpose not in ANSWERING_PURPOSES:
            return False
        key = (send.channel, destination_key(send.channel, send.to))
        earlier = [t for t in self.inbound.get(key, ()) if t <= send.at]
        if not earlier:
            return False
        latest = max(earlier)
        if send.at - latest > self.policy.reply_window or (*key, latest) in self.answered:
            return False
        self.answered.add((*key, latest))
        return True

    def _flag(self, rule: str, send: _Send, detail: str) -> None:
        self.violations.append(Violation(rule, send.debtor_id, send.send_id, send.at, detail))

    def candidate_zones(self, profile: Mapping[str, Any]) -> tuple[str, ...]:
        if profile.get("timezone"):
            return (str(profile["timezone"]),)
        zones: list[str] = []
        address = profile.get("address") or {}
        zones.extend(address_zones(str(address.get("state", "")), str(address.get("postal_code", ""))))
        for phone in profile.get("phones") or ():
            zones.extend(_phone_zones(str(phone["number"])))
        return tuple(dict.fromkeys(zones))

    def primary_zone(self, profile: Mapping[str, Any]) -> ZoneInfo:
        if profile.get("timezone"):
            return ZoneInfo(str(profile["timezone"]))
        address = profile.get("address") or {}
        by_address = address_zones(str(address.get("state", "")), str(address.get("postal_code", "")))
        if by_address:
            return ZoneInfo(by_address[0])
        for phone in profile.get("phones") or ():
            zones = _phone_zones(str(phone["number"]))
            if zones:
                return ZoneInfo(zones[0])
        return ZoneInfo("America/New_York")

    def local_day(self, debtor: _Debtor, at: datetime) -> date:
        return at.astimezone(self.primary_zone(debtor.profile)).date()

    def _check_hours(self, debtor: _Debtor, send: _Send) -> None:
        zones = self.candidate_zones(debtor.profile)
        if not zones:
            self._flag("local_hours", send, "no candidate time zone is known, so no hour is safe")
        for zone in zones:
            local = send.at.astimezone(ZoneInfo(zone))
            if not time(8) <= local.time() < time(21):
                self._flag("local_hours", send, f"{local:%H:%M:%S} in {zone}, outside [08:00, 21:00)")

    def _check_quiet_days(self, debtor: _Debtor, send: _Send) -> None:
        day = self.local_day(debtor, send.at)
        if self.policy.quiet_sundays and day.weekday() == 6:
            self._flag("quiet_days", send, f"{day} is a Sunday")
        if self.policy.quiet_holidays:
            calendar = self.holidays.setdefault(day.year, holidays.country_holidays("US", years=day.year))
            if day in calendar:
                self._flag("quiet_days", send, f"{day} is a US federal holiday ({calendar.get(day)})")

    def _check_inconvenient_times(self, debtor: _Debtor, send: _Send) -> None:
        if send.is_reply:
            return
        local = send.at.astimezone(self.primary_zone(debtor.profile))
        for window in (debtor.profile.get("preferences") or {}).get("inconvenient_times") or ():
            if in_stated_window(local, window):
                stated = f"{'/'.join(window['days'])} {window['start']}–{window['end']}"
                self._flag("inconvenient_time", send, f"{local:%a %H:%M} is inside the stated {stated}")

    def _check_consent(self, debtor: _Debtor, send: _Send) -> None:
        profile = debtor.profile
        if send.channel in (profile.get("preferences") or {}).get("blocked_channels", ()):
            self._flag("blocked_channel", send, f"the debtor blocked {send.channel}")
        if send.channel == "email":
            email = next((e for e in profile.get("emails") or () if e["address"] == send.to), None)
            if email is None or not email.get("consent") or email.get("employer_provided"):
                self._flag("consent", send, f"email to {send.to!r} without consent or to an employer address")
            return
        phone = next((p for p in profile.get("phones") or () if p["number"] == send.to), None)
        if phone is None:
            self._flag("consent", send, f"{send.channel} to {send.to!r}, which is not in the profile")
        elif send.channel == "sms" and (phone.get("type") != "mobile" or not phone.get("sms_consent")):
            self._flag("consent", send, "SMS to a number that is not a consenting mobile")
        elif send.channel == "voice" and not phone.get("call_consent"):
            self._flag("consent", send, "call to a number without call consent")

    def _check_opt_out(self, send: _Send) -> None:
        key = (send.channel, destination_key(send.channel, send.to))
        since = self.opt_outs.get(key)
        if since is None or send.at < since or self._confirms_opt_out(send, (*key, since)):
            return
        self._flag("opt_out", send, f"{send.channel} to a destination opted out at {since.isoformat()}")

    def _confirms_opt_out(self, send: _Send, opt_out: tuple[str, str, datetime]) -> bool:
        """Whether the send is the one confirmation this opt-out allows: an opt-out confirmation by text
        or email, within the confirmation window, and the first for this opt-out (COMPLIANCE item 5)."""
        since = opt_out[2]
        if send.channel == "voice" or send.purpose != OPT_OUT_CONFIRMATION or opt_out in self.confirmed:
            return False
        if send.at - since > self.policy.opt_out_confirmation_window:
            return False
        self.confirmed.add(opt_out)
        return True

    def _check_holds(self, debtor: _Debtor, send: _Send) -> None:
        reasons = set(debtor.holds.get(None, set()))
        for account_id in send.account_ids:
            reasons |= debtor.holds.get(account_id, set())
        hard = reasons & HARD_HOLDS
        if hard:
            self._flag("hold", send, f"account under a {', '.join(sorted(hard))} hold")
        elif "dispute" in reasons and not self._is_validation_notice(send):
            self._flag("hold", send, f"template {send.template_id!r} sent while a dispute is open")

    def _is_validation_notice(self, send: _Send) -> bool:
        """The validation or verification notice a dispute hold still permits: by purpose or template."""
        return send.purpose in VALIDATION_PURPOSES or self.policy.validation_template_marker in send.template_id

    def _check_calls(self, debtor: _Debtor, send: _Send) -> None:
        calls = [s for s in debtor.sends if s.channel == "voice"]
        day = self.local_day(debtor, send.at)
        if calls and send.at - calls[-1].at < self.policy.min_call_gap:
            self._flag("call_burst", send, f"{send.at - calls[-1].at} after the previous call")
        today = [s for s in calls if self.local_day(debtor, s.at) == day]
        if len(today) + 1 > self.policy.calls_per_day:
            self._flag("call_burst", send, f"call number {len(today) + 1} on {day}")
        window = [s for s in calls if s.counted and 0 <= (day - self.local_day(debtor, s.at)).days <= 6]
        for account_id in send.account_ids:
            count = sum(1 for s in window if account_id in s.account_ids) + 1
            if count > self.policy.calls_per_debt_per_7_days:
                self._flag("call_frequency", send, f"call {count} about {account_id} in {day - timedelta(6)}..{day}")
            for talked in self.conversations.get(account_id, ()):
                talked_day = self.local_day(debtor, talked)
                if talked <= send.at and 0 <= (day - talked_day).days <= 6:
                    self._flag("call_after_conversation", send, f"{account_id} was discussed on {talked_day}")

    def _check_message_caps(self, debtor: _Debtor, send: _Send) -> None:
        if send.is_reply:
            return
        day = self.local_day(debtor, send.at)
        same = [
            s for s in debtor.sends
            if s.channel == send.channel and not s.is_reply and s.send_id not in self.failed_messages
            and 0 <= (day - self.local_day(debtor, s.at)).days <= 6
        ]  # fmt: skip
        limit = self.policy.sms_per_7_days if send.channel == "sms" else self.policy.emails_per_7_days
        if len(same) + 1 > limit:
            self._flag("message_burst", send, f"{send.channel} number {len(same) + 1} in the 7 days to {day}")

    def _check_state_packs(self, debtor: _Debtor, send: _Send) -> None:
        state = str((debtor.profile.get("address") or {}).get("state", "")).upper()
        if state == "MA":
            self._check_massachusetts(debtor, send)
        elif state == "WA":
            self._check_washington(debtor, send)

    def _recent_contacts(self, debtor: _Debtor, send: _Send) -> list[_Send]:
        """The debtor's earlier sends that reached them on days D-6..D: no failed text or email, no
        unconnected call."""
        day = self.local_day(debtor, send.at)
        return [
            s for s in debtor.sends
            if s.send_id not in self.failed_messages and (s.channel != "voice" or s.counted)
            and 0 <= (day - self.local_day(debtor, s.at)).days <= 6
        ]  # fmt: skip

    def _check_massachusetts(self, debtor: _Debtor, send: _Send) -> None:
        """COMPLIANCE item 10: at most 2 calls and texts together per debt per 7 days, with no exception
        for replies or confirmations."""
        if send.channel not in ("voice", "sms"):
            return
        recent = [s for s in self._recent_contacts(debtor, send) if s.channel in ("voice", "sms")]
        for account_id in send.account_ids:
            count = 1 + sum(1 for s in recent if account_id in s.account_ids)
            if count > self.policy.ma_contacts_per_debt_per_7_days:
                self._flag("state_ma", send, f"call/SMS number {count} about {account_id} in 7 days")

    def _check_washington(self, debtor: _Debtor, send: _Send) -> None:
        """COMPLIANCE item 10 and §3: at most 3 communications per week, unless replying to the debtor."""
        if send.is_reply:
            return
        count = 1 + sum(1 for s in self._recent_contacts(debtor, send) if not s.is_reply)
        if count > self.policy.wa_communications_per_7_days:
            self._flag("state_wa", send, f"communication number {count} in 7 days")


def _phone_zones(number: str) -> tuple[str, ...]:
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
