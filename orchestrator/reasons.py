"""How a reason quotes what it refuses: reasons are logged and dead-lettered, and a refused value may be
nearly a megabyte, so a reason shows its start, never all of it."""

from __future__ import annotations

SHOWN_CHARACTERS = 40
"""Of a refused value in a reason: enough to recognise it."""

_JSON_CONTAINERS: dict[type, str] = {dict: "an object", list: "an array"}


def excerpt(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` whole when it has at most ``limit`` characters, else its first ``limit`` and ``…``."""
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """A refused value as a reason shows it: a string quoted (``'deb-1'``, ``'AAAA…'``), a JSON object or
    array by its kind (its text could be any size), ``null`` for None, anything else as Python writes it."""
    if isinstance(value, str):
        return repr(excerpt(value, limit))
    if value is None:
        return "null"
    kind = _JSON_CONTAINERS.get(type(value))
    return kind if kind is not None else excerpt(repr(value), limit)


def capped(reason: str, limit: int) -> str:
    """``reason`` whole when it has at most ``limit`` characters; else as much of its start as leaves room
    for ``… (N characters in all)``, so the result has exactly ``limit``."""
    if len(reason) <= limit:
        return reason
    note = f"… ({len(reason):,} characters in all)"
    return reason[: max(0, limit - len(note))] + note


__all__ = ["SHOWN_CHARACTERS", "capped", "excerpt", "quoted"]
