"""Cadences: which messages an account event plans, when, on which channel — as data, not code.

A cadence file (YAML) maps every account event type to an optional ``cancel`` scope and a list of
steps. It is validated once at start-up; a mistake is reported with the file, the path to the field
(``events.account.placed.steps[2] (reminder_day3).delay``) and what is wrong. See docs/cadences.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from orchestrator.events import ACCOUNT_EVENT_TYPES, Channel, Contract

PlannedChannel = Literal["sms", "email", "voice", "best"]
BEST_CHANNELS: tuple[Channel, ...] = ("sms", "email", "voice")
"""The channels a ``best`` step may end up on (the channel policy picks one at dispatch)."""

CancelScope = Literal["none", "account", "all"]
EVENT_TIME = "event_time"

PURPOSES: dict[str, str] = {
    "first_notice": "The first contact about an account.",
    "validation_notice": "The first contact carrying the validation notice (§1006.34).",
    "reminder": "A payment reminder in the dunning sequence.",
    "missed_payment": "A payment that was due did not arrive.",
    "promise_confirmation": "Confirms a promise to pay the debtor just made.",
    "promise_reminder": "Reminds the debtor of a promise that falls due.",
    "broken_promise": "A promise to pay was not kept.",
    "payment_thanks": "Thanks for a payment.",
}
Purpose = Literal[
    "first_notice",
    "validation_notice",
    "reminder",
    "missed_payment",
    "promise_confirmation",
    "promise_reminder",
    "broken_promise",
    "payment_thanks",
]

CONDITIONS: dict[str, str] = {
    "account_paid": "The step's account is paid in full: settled by a payment, or its balance is zero or less.",
    "account_closed": "The step's account is closed.",
    "promise_active": "The debtor has an open promise to pay on the step's account (not yet kept or broken).",
    "promise_kept": "The promise the step is about has been paid.",
    "promise_broken": "The promise the step is about has been broken.",
    "debtor_replied": "The debtor replied on any channel after the cause event.",
}
"""The closed vocabulary of ``skip_when``: the step is skipped at dispatch when any holds."""
Condition = Literal[
    "account_paid", "account_closed", "promise_active", "promise_kept", "promise_broken", "debtor_replied"
]

_COMPACT = re.compile(r"(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?")
_ISO = re.compile(r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?)?")
_LOCAL_TIME = re.compile(r"(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)")
_DURATION_HELP = "a duration like 0m, 30m, 2h, 3d, 1d12h, 2w or ISO 8601 P3D / PT2H"
_IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"


def parse_duration(text: str, *, signed: bool = False) -> dt.timedelta:
    """Parse ``3d``, ``2h``, ``1d12h``, ``30m``, ``2w``, ``P3D``, ``PT2H`` (and ``-1d`` when ``signed``)."""
    body, sign = text.strip(), 1
    if signed and body[:1] in "+-" and body:
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    match = _COMPACT.fullmatch(body) or _ISO.fullmatch(body)
    if not body or match is None or not any(match.groupdict().values()):
        signed_help = " (a sign is allowed: -1d)" if signed else ""
        raise ValueError(f"invalid duration {text!r}: use {_DURATION_HELP}{signed_help}")
    parts = {unit: int(value or 0) for unit, value in match.groupdict().items()}
    return sign * dt.timedelta(weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"])


def _duration(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected {_DURATION_HELP}, got {value!r}")


def _signed_duration(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value, signed=True)
    raise ValueError(f"expected a signed duration like -1d or +2h, got {value!r}")


def _local_time(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value
    match = _LOCAL_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a local time as 'HH:MM' (24 h, quoted), got {value!r}")
    return dt.time(int(match["h"]), int(match["m"]))


Duration = Annotated[dt.timedelta, BeforeValidator(_duration)]
SignedDuration = Annotated[dt.timedelta, BeforeValidator(_signed_duration)]
LocalTime = Annotated[dt.time, BeforeValidator(_local_time)]
Identifier = Annotated[str, Field(pattern=_IDENTIFIER)]


class Step(BaseModel):
    """One planned message: ``template`` on ``channel`` at ``delay`` after the event (or at an anchor)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier = Field(description="Unique within its event type; part of the send id.")
    template: Identifier
    channel: PlannedChannel
    purpose: Purpose
    delay: Duration = Field(dt.timedelta(0), description="After the event's time (anchor event_time only).")
    anchor: str = Field(EVENT_TIME, description="`event_time`, or a date/datetime field of the event's data.")
    offset: SignedDuration = Field(dt.timedelta(0), description="From a data-field anchor, e.g. -1d.")
    at_local: LocalTime | None = Field(None, description="Wall-clock time in the debtor's zone on the due day.")
    skip_when: tuple[Condition, ...] = ()

    @model_validator(mode="after")
    def _delay_or_offset(self) -> Step:
        if self.anchor == EVENT_TIME and self.offset:
            raise ValueError("offset needs a data-field anchor; with anchor event_time use delay")
        if self.anchor != EVENT_TIME and self.delay:
            raise ValueError(f"delay is measured from the event's time; with anchor {self.anchor!r} use offset")
        return self


class EventCadence(BaseModel):
    """What one event type does: cancel pending sends in ``cancel`` scope, then plan ``steps``.

    ``cancel: account`` cancels the pending sends of the event's account (every account of the
    debtor when the event names none, e.g. a hold with ``account_id: null``); ``cancel: all`` every
    pending send of the debtor. ``cancel_purposes`` narrows either to the sends of those purposes (a
    new promise replaces the earlier promise's messages, not the dunning). Cancelling happens before
    the event's own steps are planned.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cancel: CancelScope = "none"
    cancel_purposes: tuple[Purpose, ...] = Field((), description="Only these purposes in scope; empty: all.")
    steps: tuple[Step, ...]

    @model_validator(mode="after")
    def _purposes_narrow_a_scope(self) -> EventCadence:
        if self.cancel_purposes and self.cancel == "none":
            raise ValueError("cancel_purposes narrows a cancel scope: set cancel to account or all")
        return self

    @model_validator(mode="after")
    def _unique_step_ids(self) -> EventCadence:
        seen: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            if step.id in seen:
                raise ValueError(f"steps[{index}].id: duplicate step id {step.id!r} (also steps[{seen[step.id]}])")
            seen[step.id] = index
        return self


class Cadences(BaseModel):
    """Every account event type → its :class:`EventCadence`. Complete by construction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1]
    events: Mapping[str, EventCadence]

    @model_validator(mode="after")
    def _covers_every_event_type(self) -> Cadences:
        unknown = sorted(set(self.events) - set(ACCOUNT_EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {sorted(ACCOUNT_EVENT_TYPES)}")
        missing = [name for name in ACCOUNT_EVENT_TYPES if name not in self.events]
        if missing:
            raise ValueError(f"every account event type needs an entry (use `steps: []` for none); missing {missing}")
        for event_type, cadence in self.events.items():
            _check_event_cadence(event_type, cadence)
        return self

    def for_event(self, event_type: str) -> EventCadence:
        """The cadence of ``event_type``; KeyError for a type that is not an account event."""
        return self.events[event_type]


def _check_event_cadence(event_type: str, cadence: EventCadence) -> None:
    model = ACCOUNT_EVENT_TYPES[event_type]
    if cadence.cancel == "account" and not _ACCOUNT_FIELDS & set(model.model_fields):
        raise ValueError(f"events.{event_type}.cancel: `account` needs an event that names an account; use `all`")
    for index, step in enumerate(cadence.steps):
        if step.anchor == EVENT_TIME:
            continue
        where = f"events.{event_type}.steps[{index}] ({step.id}).anchor"
        kind = _anchor_kind(model, step.anchor)
        if kind is None:
            fields = [name for name in model.model_fields if _anchor_kind(model, name)]
            hint = f"use event_time or one of {fields}" if fields else "use event_time"
            raise ValueError(f"{where}: {step.anchor!r} is not a date field of {event_type}; {hint}")
        if kind is dt.date and step.at_local is None:
            raise ValueError(f"{where}: {step.anchor!r} is a date, so at_local ('HH:MM') is required")
        if kind is dt.date and step.offset % dt.timedelta(days=1):
            raise ValueError(f"{where}: offset from a date must be whole days, got {step.offset}")


_ACCOUNT_FIELDS = {"account_id", "account", "account_ids"}


def _anchor_kind(model: type[Contract], field_name: str) -> type[dt.date] | None:
    field = model.model_fields.get(field_name)
    if field is None:
        return None
    annotation = field.annotation
    if annotation is dt.datetime or annotation is AwareDatetime:  # the contract's instants are AwareDatetime
        return dt.datetime
    if annotation is dt.date:
        return dt.date
    return None


# --- loading --------------------------------------------------------------------------------


class CadenceError(ValueError):
    """Raised when a cadence file is invalid: names the file, the path to the field, and the cause."""

    def __init__(self, source: str, path: str, cause: str) -> None:
        super().__init__(f"{source}: {path}: {cause}" if path else f"{source}: {cause}")
        self.source, self.path, self.cause = source, path, cause


class _StrictLoader(yaml.SafeLoader):
    """YAML 1.2-style scalars (``10:00`` stays a string, ``no`` is not False) and no duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_DROPPED_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "timestamp")}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))


def load_cadences(text: str, source_name: str) -> Cadences:
    """Parse and validate a cadence file's text; ``source_name`` is only used in error messages."""
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CadenceError(source_name, where, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise CadenceError(source_name, "", f"not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise CadenceError(source_name, "", "a cadence file is a mapping with `version: 1` and `events:`")
    try:
        return Cadences.model_validate(document)
    except ValidationError as error:
        details = error.errors(include_url=False)
        # A misspelt field also makes the real one "missing": report the misspelling first.
        detail = next((d for d in details if d["type"] == "extra_forbidden"), details[0])
        path = _describe_location(document, detail["loc"])
        more = f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''})" if len(details) > 1 else ""
        raise CadenceError(source_name, path, _message(detail) + more) from None


def _describe_location(document: Any, location: tuple[int | str, ...]) -> str:
    """``events.account.placed.steps[2] (reminder_day3).delay``: indexes named by the step id."""
    path, node = "", document
    for step in location:
        node = _child(node, step)
        if isinstance(step, int):
            path += f"[{step}]"
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                path += f" ({node['id']})"
        else:
            path += f".{step}" if path else str(step)
    return path


def _child(node: Any, step: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def _message(detail: Any) -> str:
    message = str(detail["msg"]).removeprefix("Value error, ")
    if detail["type"] == "extra_forbidden":
        return f"unknown field {detail['loc'][-1]!r}"
    if detail["type"] == "literal_error":
        return f"{message}, got {detail['input']!r}"
    return message


# --- queries --------------------------------------------------------------------------------


def required_template_channels(cadences: Cadences) -> set[tuple[str, Channel]]:
    """Every (template id, channel) the cadences can send, for the template lint.

    A ``best`` step can go out on any of :data:`BEST_CHANNELS`; any step that can reach ``voice``
    also needs the ``voicemail`` template (left when a machine answers).
    """
    needed: set[tuple[str, Channel]] = set()
    for cadence in cadences.events.values():
        for step in cadence.steps:
            channels: tuple[Channel, ...] = BEST_CHANNELS if step.channel == "best" else (step.channel,)
            needed.update((step.template, channel) for channel in channels)
            if "voice" in channels:
                needed.add(("voicemail", "voice"))
    return needed


def step_passed(step: Step, *, event_time: dt.datetime, data: Contract, zone: ZoneInfo) -> bool:
    """True when a step anchored on the event's data fell due before the event happened: it is not
    planned at all (a reminder "the day before" a promise due today or tomorrow morning has missed its
    moment; sent at once it would only repeat the confirmation). Event-time steps never have."""
    if step.anchor == EVENT_TIME:
        return False
    return step_due_at(step, event_time=event_time, data=data, zone=zone) < event_time


def step_due_at(step: Step, *, event_time: dt.datetime, data: Contract, zone: ZoneInfo) -> dt.datetime:
    """When ``step`` falls due for an event (before send-time policy moves it into an allowed slot).

    Anchor ``event_time``: the event's time plus ``delay``. A data-field anchor: that date/datetime
    plus ``offset``. Either way, ``at_local`` then sets the wall-clock time in ``zone`` on that day.
    """
    if step.anchor == EVENT_TIME:
        base: dt.date | dt.datetime = event_time + step.delay
    else:
        value = getattr(data, step.anchor)
        if not isinstance(value, dt.date):
            raise ValueError(f"anchor {step.anchor!r} of {type(data).__name__} is {value!r}, not a date")
        base = value + step.offset
    if isinstance(base, dt.datetime):
        if step.at_local is None:
            return base
        day = base.astimezone(zone).date()
    else:
        day = base
    if step.at_local is None:
        raise ValueError(f"step {step.id!r}: a date anchor needs at_local")
    return dt.datetime.combine(day, step.at_local, tzinfo=zone)
