"""The debtor's zones as the service layer needs them (calendar of the primary zone)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from orchestrator.domain import DebtorState
from orchestrator.service.context import ServiceContext
from orchestrator.timezones import zone, zones_for_profile


def primary_zone(ctx: ServiceContext, state: DebtorState) -> ZoneInfo:
    """The zone whose calendar places the debtor's day (stated, else postal, else first phone)."""
    return zone(zones_for_profile(state.profile, ctx.fallback_zones).primary)
