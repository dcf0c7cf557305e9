"""Every aware instant Parley writes (event times, instants inside data) is RFC 3339 and reads back as
the same instant, whatever its zone: sub-minute historical offsets included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from orchestrator.rfc3339 import format_date_time, parse_date_time

offsets = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
)
# A day inside datetime's range either side, so writing an instant in UTC cannot leave it.
aware = st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.one_of(st.timezones(), offsets))


@given(aware)
def test_a_formatted_instant_parses_back_to_the_same_instant(moment: datetime) -> None:
    # in UTC: an instant in a zone's repeated hour never equals another zone's (PEP 495)
    assert parse_date_time(format_date_time(moment)).astimezone(UTC) == moment.astimezone(UTC)


@given(aware)
def test_a_whole_minute_offset_is_kept(moment: datetime) -> None:
    offset = moment.utcoffset()
    assert offset is not None
    if not offset % timedelta(minutes=1):
        assert parse_date_time(format_date_time(moment)).utcoffset() == offset
