"""How a reason quotes what it refuses: reasons are logged and dead-lettered, and a refused value may be
nearly a megabyte, so a reason shows its start, never all of it."""

from __future__ import annotations

SHOWN_CHARACTERS = 40
"""Of a refused value in a reason: enough to recognise it."""

_JSON_KINDS: dict[type, str] = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def json_kind(value: object) -> str:
    """What kind of JSON value ``value`` is, as a reason names it: ``a number``, ``an object``, …"""
    return _JSON_KINDS.get(type(value), f"a {type(value).__name__}")


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
    return json_kind(value) if isinstance(value, dict | list) else excerpt(repr(value), limit)


def capped(reason: str, limit: int) -> str:
    """``reason`` whole when it has at most ``limit`` characters; else as much of its start as leaves room
    for ``… (N characters in all)``, so the result has exactly ``limit``."""
    if len(reason) <= limit:
        return reason
    note = f"… ({len(reason):,} characters in all)"
    return reason[: max(0, limit - len(note))] + note


__all__ = ["SHOWN_CHARACTERS", "capped", "excerpt", "json_kind", "quoted"]
