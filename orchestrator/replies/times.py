"""The time of day a debtor names ("call me tomorrow at 3pm", "después de las 6 de la tarde").

Only a time that says which half of the day it is counts: "3pm", "3:30 p.m.", "10am", "15:00",
"noon", "a las 3 de la tarde". A bare "at 3" could be 03:00 or 15:00 and is left out, as are
amounts ("$50") and dates ("4/1"): a caller then knows the date only, never a guessed hour.
The time is wall-clock time; the caller places it in the debtor's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

_MERIDIEM = re.compile(r"(?<![\d$€£.,:/])(\d{1,2})(?::([0-5]\d))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])")
_SPANISH_HALF = re.compile(
    r"(?<![\d$€£.,:/])(?:(?:a las|a la|las|la)\s+)?(\d{1,2})(?::([0-5]\d))?\s+(?:de|en|por) la (manana|tarde|noche)\b"
)
_TWENTY_FOUR_HOUR = re.compile(r"(?<![\d$€£.,:/])([01]?\d|2[0-3]):([0-5]\d)(?![\d:/]|\s*(?:a\.?\s?m|p\.?\s?m))")
_NOON = re.compile(r"\b(noon|midday|mediodia)\b")


@dataclass(frozen=True, slots=True)
class TimeMatch:
    value: time
    text: str
    start: int


def extract_time(entity_text: str) -> TimeMatch | None:
    """The first time of day the reply names, or None (see the module docstring for what counts)."""
    candidates = [
        match for finder in (_meridiem, _spanish_half, _twenty_four_hour, _noon) for match in finder(entity_text)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda match: (match.start, -len(match.text)))


def _clock(hour: int, minute: int, afternoon: bool) -> time | None:
    """``hour`` on a 12-hour clock, in the morning or the afternoon; None for no such hour."""
    return time(hour % 12 + (12 if afternoon else 0), minute) if 1 <= hour <= 12 else None


def _meridiem(text: str) -> list[TimeMatch]:
    found = []
    for match in _MERIDIEM.finditer(text):
        value = _clock(int(match.group(1)), int(match.group(2) or 0), match.group(3).startswith("p"))
        if value is not None:
            found.append(TimeMatch(value, match.group(0), match.start()))
    return found


def _spanish_half(text: str) -> list[TimeMatch]:
    found = []
    for match in _SPANISH_HALF.finditer(text):
        hour, half = int(match.group(1)), match.group(3)
        afternoon = half != "manana" and not (half == "noche" and hour == 12)
        value = _clock(hour, int(match.group(2) or 0), afternoon)
        if value is not None:
            found.append(TimeMatch(value, match.group(0), match.start()))
    return found


def _twenty_four_hour(text: str) -> list[TimeMatch]:
    return [
        TimeMatch(time(int(match.group(1)), int(match.group(2))), match.group(0), match.start())
        for match in _TWENTY_FOUR_HOUR.finditer(text)
    ]


def _noon(text: str) -> list[TimeMatch]:
    return [TimeMatch(time(12), match.group(0), match.start()) for match in _NOON.finditer(text)]
