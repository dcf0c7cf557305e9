"""The date a debtor names, resolved against the day the reply arrived in the debtor's own zone.

Decisions (documented in docs/replies.md):

* A weekday ("Friday", "el viernes") is the coming one, and today when today is that day.
  "next Friday" / "el próximo viernes" is the Friday of next week (Monday-based weeks), so on a
  Wednesday "Friday" is in two days and "next Friday" in nine.
* "the 15th" / "el 15" and "4/1" (US month/day) are the next occurrence on or after today.
* "next week" / "la próxima semana" is the Monday of next week; "this weekend" the coming Saturday.
* "end of the month" / "fin de mes" is the last day of the current month.
* When the reply talks about the past (already paid, deceased, bankruptcy), weekdays, day numbers
  and dates resolve to the most recent occurrence on or before today instead.

The common phrases are resolved here, without a library call. Spans naming a month ("March 16",
"16 de marzo") go to ``dateparser``, which is accurate for them but slow (milliseconds per call),
so it is only called when such a span is present.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "lunes": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "martes": 1,
    "wednesday": 2, "wed": 2, "miercoles": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "jueves": 3,
    "friday": 4, "fri": 4, "viernes": 4,
    "saturday": 5, "sat": 5, "sabado": 5,
    "sunday": 6, "domingo": 6,
}  # fmt: skip
NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "un": 1, "una": 1, "two": 2, "dos": 2, "couple": 2, "couple of": 2,
    "three": 3, "tres": 3, "four": 4, "cuatro": 4,
}  # fmt: skip
MONTHS = (
    r"january|jan|february|feb|march|april|apr|may|june|jun|july|jul|august|aug|september|sept|sep|october|oct"
    r"|november|nov|december|dec|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre"
    r"|noviembre|diciembre"
)

_TODAY = re.compile(r"\b(today|tonight|hoy|esta noche)\b")
_TOMORROW = re.compile(r"\btomorrow\b|(?<!la )(?<!esta )(?<!pasado )\bmanana\b")
_DAY_AFTER_TOMORROW = re.compile(r"\bpasado manana\b|\bday after tomorrow\b")
_YESTERDAY = re.compile(r"\b(yesterday|ayer)\b")
_IN_PERIOD = re.compile(
    r"\b(?:in|en)\s+(a|an|one|two|three|four|un|una|dos|tres|cuatro|couple(?: of)?|\d{1,2})\s+"
    r"(days?|weeks?|dias|semanas?)\b"
)
_END_OF_MONTH = re.compile(r"\bend of (the |this )?month\b|\bfin(al)?(es)? del? mes\b|\bultimo dia del mes\b")
_NEXT_WEEK = re.compile(r"\bnext week\b|\b(la )?proxima semana\b|\bla semana que viene\b|\bla otra semana\b")
_WEEKEND = re.compile(r"\b(this )?weekend\b|\beste fin de semana\b|\bel fin de semana\b")
_WEEKDAY = re.compile(
    r"\b(?:(next|this|last|este|el proximo|proximo)\s+)?(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b"
    r"(\s+(?:que viene|pasado))?"
)
_ORDINAL_DAY = re.compile(
    r"\b(?:the|el dia|el|para el|dia)\s+(\d{1,2})(st|nd|rd|th|ro|vo|to)?\b"
    r"(?!\s*(?:/|:|%|€|£|dollars|dolares|bucks|euros|pounds|libras|de\s))"
)
_MONTH_DAY = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b")
_MONTH_NAME_SPAN = re.compile(
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?(?:{MONTHS})(?:,?\s+(?:de\s+)?\d{{4}})?)\b"
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    value: date
    text: str
    start: int


def extract_date(entity_text: str, today: date, prefer_past: bool = False) -> DateMatch | None:
    """The first date the reply names, or None. ``today`` is the local date the reply arrived."""
    candidates = [match for finder in _FINDERS for match in finder(entity_text, today, prefer_past)]
    if not candidates:
        return None
    return min(candidates, key=lambda match: (match.start, -len(match.text)))


Finder = Callable[[str, date, bool], Iterator[DateMatch]]


def _fixed(pattern: re.Pattern[str], offset_days: int) -> Finder:
    def find(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
        for match in pattern.finditer(text):
            yield DateMatch(today + timedelta(days=offset_days), match.group(0), match.start())

    return find


def _in_period(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    for match in _IN_PERIOD.finditer(text):
        count_word, unit = match.group(1), match.group(2)
        count = int(count_word) if count_word.isdigit() else NUMBER_WORDS[count_word]
        days = count * 7 if unit.startswith(("week", "semana")) else count
        yield DateMatch(today + timedelta(days=days), match.group(0), match.start())


def _end_of_month(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    last_day = calendar.monthrange(today.year, today.month)[1]
    for match in _END_OF_MONTH.finditer(text):
        yield DateMatch(today.replace(day=last_day), match.group(0), match.start())


def _next_week(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    monday = today + timedelta(days=7 - today.weekday())
    for match in _NEXT_WEEK.finditer(text):
        yield DateMatch(monday, match.group(0), match.start())


def _weekend(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    for match in _WEEKEND.finditer(text):
        yield DateMatch(_weekday_on_or_after(today, 5), match.group(0), match.start())


def _weekday(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    for match in _WEEKDAY.finditer(text):
        modifier, name, suffix = match.group(1), match.group(2), (match.group(3) or "").strip()
        target = WEEKDAYS[name]
        if modifier in ("next", "el proximo", "proximo") or suffix == "que viene":
            resolved = today + timedelta(days=7 - today.weekday() + target)  # that day of next week
        elif modifier == "last" or suffix == "pasado" or prefer_past:
            resolved = today - timedelta(days=(today.weekday() - target) % 7)
        else:
            resolved = _weekday_on_or_after(today, target)
        yield DateMatch(resolved, match.group(0), match.start())


def _ordinal_day(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    for match in _ORDINAL_DAY.finditer(text):
        if match.group(0).startswith("the") and not match.group(2):
            continue  # "the 3 kids": English needs "the 3rd"
        day = int(match.group(1))
        resolved = _day_of_month(today, day, prefer_past)
        if resolved is not None:
            yield DateMatch(resolved, match.group(0), match.start())


def _month_day(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    for match in _MONTH_DAY.finditer(text):
        month, day, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            resolved = _safe_date(year, month, day)
        else:
            resolved = _next_month_day(today, month, day, prefer_past)
        if resolved is not None:
            yield DateMatch(resolved, match.group(0), match.start())


def _month_name(text: str, today: date, prefer_past: bool) -> Iterator[DateMatch]:
    for match in _MONTH_NAME_SPAN.finditer(text):
        resolved = _parse_with_dateparser(match.group(0), today, prefer_past)
        if resolved is not None:
            yield DateMatch(resolved, match.group(0), match.start())


def _parse_with_dateparser(span: str, today: date, prefer_past: bool) -> date | None:
    import dateparser  # type: ignore[import-untyped]  # slow to import and to call: only when a month is named

    # dateparser's "future" skips today itself, so anchor it on yesterday to keep "on or after today".
    base = datetime.combine(today if prefer_past else today - timedelta(days=1), time(12))
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "past" if prefer_past else "future",
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(span, languages=["en", "es"], settings=settings)
    return parsed.date() if parsed is not None else None


def _weekday_on_or_after(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_of_month(today: date, day: int, prefer_past: bool) -> date | None:
    """The next (or, looking back, the last) date whose day of month is ``day``."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    step = -1 if prefer_past else 1
    for _ in range(13):
        candidate = _safe_date(year, month, day)
        if candidate is not None and (candidate <= today if prefer_past else candidate >= today):
            return candidate
        month += step
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    return None


def _next_month_day(today: date, month: int, day: int, prefer_past: bool) -> date | None:
    this_year = _safe_date(today.year, month, day)
    if this_year is None:
        return None
    if prefer_past:
        return this_year if this_year <= today else _safe_date(today.year - 1, month, day)
    return this_year if this_year >= today else _safe_date(today.year + 1, month, day)


_FINDERS: tuple[Finder, ...] = (
    _fixed(_TODAY, 0),
    _fixed(_TOMORROW, 1),
    _fixed(_DAY_AFTER_TOMORROW, 2),
    _fixed(_YESTERDAY, -1),
    _in_period,
    _end_of_month,
    _next_week,
    _weekend,
    _weekday,
    _ordinal_day,
    _month_day,
    _month_name,
)
