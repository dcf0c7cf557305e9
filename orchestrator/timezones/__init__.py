"""Where a debtor may be: candidate IANA zones, the primary zone, and local-hour windows across them."""

from orchestrator.timezones.inference import (
    DEFAULT_FALLBACK_ZONES,
    NON_GEOGRAPHIC_ZONE_COUNT,
    ZoneSet,
    phone_zones,
    postal_zones,
    zones_for_profile,
)
from orchestrator.timezones.windows import (
    local_midnight,
    next_inside_window,
    next_inside_window_all,
    zone,
)

__all__ = [
    "DEFAULT_FALLBACK_ZONES",
    "NON_GEOGRAPHIC_ZONE_COUNT",
    "ZoneSet",
    "local_midnight",
    "next_inside_window",
    "next_inside_window_all",
    "phone_zones",
    "postal_zones",
    "zone",
    "zones_for_profile",
]
