"""RFC 3339 date-times (section 5.6): the one form in which Parley reads and writes an instant.

The CloudEvents ``time`` attribute (``orchestrator.codec``) and every date-time field of event data
(``orchestrator.events``) are read by :func:`parse_date_time` and written by :func:`format_date_time`,
so what one accepts the other accepts, and what Parley writes it reads back as the same moment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

FORM = "YYYY-MM-DDThh:mm:ss, optional .fraction, then Z or ±hh:mm"
EXAMPLE = "2024-03-04T15:00:00Z"

_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<hour_minute>[0-9]{2}:[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?P<fraction>\.[0-9]+)?(?P<offset>[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
"""RFC 3339 section 5.6 ``date-time``; ``[0-9]``, not ``\\d``, which matches any script's digits."""

Problem = Literal["form", "offset", "value"]


class DateTimeError(ValueError):
    """Raised when a text is not an RFC 3339 date-time. ``problem`` is ``"form"`` (not written as one),
    ``"offset"`` (written as one but for its missing offset) or ``"value"`` (the form is right, the moment
    does not exist: month 13, Feb 30, 24:00; the message says which). Callers phrase the reason."""

    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem: Problem = problem


def parse_date_time(text: str) -> datetime:
    """``text`` as RFC 3339 has it, no wider: ``datetime.fromisoformat`` alone would take ISO 8601's other
    forms too (a space for the ``T``, no seconds, ``+0500``, week dates), which other consumers of the same
    events may refuse. Lowercase ``t``/``z`` are RFC 3339's; a space is not taken (RFC 3339 allows it only
    by agreement, and CloudEvents and JSON Schema's ``date-time`` make none). A fraction is cut to the
    microseconds ``datetime`` holds; a leap second (``:60``) reads as its last microsecond, ``:59.999999``.
    """
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        if _DATE_TIME.fullmatch(text + "Z"):
            raise DateTimeError("offset", "no UTC offset")
        raise DateTimeError("form", f"not an RFC 3339 timestamp ({FORM})")
    second, fraction = match["second"], (match["fraction"] or "")[:7]
    if second == "60":
        second, fraction = "59", ".999999"
    offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
    try:
        return datetime.fromisoformat(f"{match['date']}T{match['hour_minute']}:{second}{fraction}{offset}")
    except ValueError as error:
        raise DateTimeError("value", str(error)) from None


def format_date_time(moment: datetime) -> str:
    """``moment`` as RFC 3339 (``Z`` for UTC). An offset that is not whole minutes (a zone's local mean
    time before standard time, e.g. Amsterdam's +00:19:32) has no RFC 3339 form, so that moment is
    written in UTC instead. Raises ValueError for a naive ``moment``: it names no instant."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"an RFC 3339 date-time needs an aware time (with a UTC offset), got {moment!r}")
    if offset % timedelta(minutes=1):
        moment, offset = moment.astimezone(UTC), timedelta(0)
    text = moment.isoformat()
    return text[: -len("+00:00")] + "Z" if not offset else text
