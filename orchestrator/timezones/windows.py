"""Local-time windows with DST handled by ``zoneinfo``: is a moment inside, and when is it next."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_DAY = timedelta(days=1)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """A ZoneInfo by name, cached (raises ZoneInfoNotFoundError, a KeyError, for unknown names)."""
    return ZoneInfo(name)


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (a skipped time maps to the transition instant)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` starts in ``tz``."""
    return at_local(day, time(0), tz)


def inside(local: datetime, start: time, end: time) -> bool:
    """Whether a local time is in [start, end); a window with end <= start wraps midnight."""
    clock = local.time()
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def next_inside_window(at: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """The earliest instant >= ``at`` whose local time in ``tz`` is inside [start, end)."""
    local = at.astimezone(tz)
    if inside(local, start, end):
        return at
    day = local.date()
    if start < end and local.time() >= end:
        day += _DAY
    candidate = at_local(day, start, tz)
    return candidate if candidate > at else at_local(day + _DAY, start, tz)


def next_inside_window_all(
    at: datetime, zones: tuple[ZoneInfo, ...], start: time, end: time, max_rounds: int = 16
) -> datetime | None:
    """The earliest instant >= ``at`` inside [start, end) in every zone; None if the windows never meet."""
    moment = at
    for _ in range(max_rounds):
        latest = moment
        for tz in zones:
            opening = next_inside_window(moment, tz, start, end)
            if opening > latest:
                latest = opening
        if latest == moment:
            return moment
        moment = latest
    return None
