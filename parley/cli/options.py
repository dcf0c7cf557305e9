"""Option types the commands share, so the same input means the same thing in every command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

TIME_EXAMPLE = "2026-03-02T13:00:00Z"


class IsoTime(click.ParamType):
    """An ISO 8601 moment. One without an offset is read as UTC by every command (``replay --until``,
    ``explain --at``): event times are UTC on the wire, and the machine's zone must not change a result."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            moment = value
        else:
            text = str(value).strip()
            try:
                moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
            except ValueError:
                self.fail(
                    f"{value!r} is not an ISO 8601 time (e.g. {TIME_EXAMPLE}; without an offset it is UTC)",
                    param,
                    ctx,
                )
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


ISO_TIME = IsoTime()
