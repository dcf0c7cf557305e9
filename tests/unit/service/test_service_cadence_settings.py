"""An operator's cadence file replaces the shipped one, and a broken one stops start-up with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cadence import CadenceError, default_cadences
from parley.bootstrap import cadences_from_settings
from parley.settings import Settings


def test_without_a_cadence_file_the_shipped_cadences_are_used() -> None:
    assert cadences_from_settings(Settings()) == default_cadences()


def test_a_cadence_file_from_settings_is_loaded(tmp_path: Path) -> None:
    shipped = (Path(__file__).parents[3] / "orchestrator" / "cadence" / "default.yaml").read_text()
    custom = tmp_path / "cadences.yaml"
    custom.write_text(shipped.replace("delay: 3d", "delay: 4d"))
    loaded = cadences_from_settings(Settings(cadences_path=custom))
    reminder = next(s for s in loaded.for_event("account.placed").steps if s.id == "reminder_day3")
    assert reminder.delay.days == 4


def test_a_broken_cadence_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    shipped = (Path(__file__).parents[3] / "orchestrator" / "cadence" / "default.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text(shipped.replace("delay: 3d", "delay: soon"))
    with pytest.raises(CadenceError) as raised:
        cadences_from_settings(Settings(cadences_path=broken))
    assert str(broken) in str(raised.value) and "reminder_day3" in str(raised.value)
