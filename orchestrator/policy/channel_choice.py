"""Channel and send-time choice for cadence steps whose channel is ``best``.

The debtor's stated channel order comes first: when they named channels, the first of those that
is eligible is used. Otherwise Parley learns what works for this debtor: Beta–Bernoulli Thompson
sampling over channel × hour band, with population priors, so a debtor who answers texts in the
evening gets texts in the evening. The random draw is seeded from the send id, which makes every
decision reproducible: replaying the same input gives the same choice.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

ChannelName = Literal["sms", "voice", "email"]


@dataclass(frozen=True)
class HourBand:
    """A part of the local day in which a contact can be aimed, [start, end)."""

    name: str
    start: time
    end: time


HOUR_BANDS: tuple[HourBand, ...] = (
    HourBand("morning", time(8), time(11)),
    HourBand("midday", time(11), time(14)),
    HourBand("afternoon", time(14), time(17)),
    HourBand("evening", time(17), time(21)),
)
BAND_NAMES: tuple[str, ...] = tuple(band.name for band in HOUR_BANDS)


def band_of(local: datetime) -> str | None:
    """The hour band a local time falls in, or None outside every band."""
    clock = local.time()
    for band in HOUR_BANDS:
        if band.start <= clock < band.end:
            return band.name
    return None


# Population priors Beta(alpha, beta) per channel × band: what a typical debtor answers, before
# their own history says more. Weak (alpha + beta = 10) so a few observations move them.
DEFAULT_PRIORS: Mapping[tuple[str, str], tuple[float, float]] = {
    ("sms", "morning"): (2.0, 8.0),
    ("sms", "midday"): (2.5, 7.5),
    ("sms", "afternoon"): (2.5, 7.5),
    ("sms", "evening"): (3.0, 7.0),
    ("email", "morning"): (2.0, 8.0),
    ("email", "midday"): (2.5, 7.5),
    ("email", "afternoon"): (2.0, 8.0),
    ("email", "evening"): (1.5, 8.5),
    ("voice", "morning"): (1.5, 8.5),
    ("voice", "midday"): (1.5, 8.5),
    ("voice", "afternoon"): (2.0, 8.0),
    ("voice", "evening"): (2.5, 7.5),
}


@dataclass(frozen=True)
class ChannelChoice:
    """The chosen channel and hour band, with why (for the audit record)."""

    channel: ChannelName
    band: str
    reason: str


def seeded_rng(send_id: str) -> random.Random:
    """A random generator determined by the send id alone."""
    digest = hashlib.sha256(send_id.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def choose_channel(
    send_id: str,
    eligible: Sequence[ChannelName],
    stated_order: Sequence[str],
    history: Mapping[tuple[str, str], tuple[int, int]],
    priors: Mapping[tuple[str, str], tuple[float, float]] = DEFAULT_PRIORS,
) -> ChannelChoice | None:
    """Pick channel and band for a ``best`` step among ``eligible`` channels; None when there is none.

    ``history`` maps (channel, band) to (responses, attempts) for this debtor.
    """
    ranking = ranked_choices(send_id, eligible, stated_order, history, priors)
    return ranking[0] if ranking else None


def ranked_choices(
    send_id: str,
    candidates: Sequence[ChannelName],
    stated_order: Sequence[str],
    history: Mapping[tuple[str, str], tuple[int, int]],
    priors: Mapping[tuple[str, str], tuple[float, float]] = DEFAULT_PRIORS,
) -> list[ChannelChoice]:
    """Every candidate channel with its best band, best first, so the caller can check eligibility
    lazily (the first eligible one wins) instead of judging every channel up front.

    Stated channels come first, in the debtor's order; the rest follow by their Thompson sample. The
    draws depend only on the send id and the candidates, so the ranking is reproducible.
    """
    rng = seeded_rng(send_id)
    scored: list[tuple[float, ChannelChoice]] = []
    for channel in candidates:
        best: tuple[float, str] | None = None
        for band in BAND_NAMES:
            alpha, beta = priors.get((channel, band), (1.0, 1.0))
            responses, attempts = history.get((channel, band), (0, 0))
            sample = rng.betavariate(alpha + responses, beta + max(attempts - responses, 0))
            if best is None or sample > best[0]:
                best = (sample, band)
        assert best is not None
        stated = channel in stated_order
        reason = "stated preference" if stated else "response history (Thompson sampling)"
        rank = -1.0 - list(stated_order).index(channel) if stated else best[0]
        scored.append((rank, ChannelChoice(channel=channel, band=best[1], reason=reason)))
    stated_first = sorted((s for s in scored if s[0] < 0), key=lambda s: -s[0])
    by_sample = sorted((s for s in scored if s[0] >= 0), key=lambda s: -s[0])
    return [choice for _, choice in stated_first + by_sample]


def aim_at_band(earliest: datetime, band_name: str, zone: ZoneInfo, horizon_days: int = 7) -> datetime:
    """The first moment at or after ``earliest`` that lies in the band, in the debtor's zone."""
    band = next(band for band in HOUR_BANDS if band.name == band_name)
    local = earliest.astimezone(zone)
    for day_offset in range(horizon_days + 1):
        day = (local + timedelta(days=day_offset)).date()
        start = datetime.combine(day, band.start, tzinfo=zone)
        end = datetime.combine(day, band.end, tzinfo=zone)
        if local < end:
            return max(local, start).astimezone(earliest.tzinfo)
    return earliest
