"""The Kafka jar cache is trusted only when complete, and a missing service names what is missing."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

from parley.devservers import MissingDependency, ensure_kafka
from parley.devservers.kafka import STAMP_NAME, cached_distribution
from parley.devservers.process import find_program

VERSION = "4.1.1"


def _stamped_cache(root: Path) -> Path:
    libs = root / "kafka" / VERSION / "libs"
    libs.mkdir(parents=True)
    sizes = {}
    for name in (f"kafka_2.13-{VERSION}.jar", f"kafka-clients-{VERSION}.jar"):
        with zipfile.ZipFile(libs / name, "w") as jar:
            jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        sizes[name] = (libs / name).stat().st_size
    (libs.parent / STAMP_NAME).write_text(json.dumps({"version": VERSION, "jars": sizes}))
    return libs


def test_a_complete_stamped_cache_is_used_without_downloading(tmp_path: Path) -> None:
    libs = _stamped_cache(tmp_path)
    distribution, downloaded = ensure_kafka(VERSION, cache_root=tmp_path, offline=True)
    assert (distribution.libs, downloaded) == (libs, False)


def test_a_truncated_jar_makes_the_cache_unusable(tmp_path: Path) -> None:
    libs = _stamped_cache(tmp_path)
    jar = libs / f"kafka-clients-{VERSION}.jar"
    jar.write_bytes(jar.read_bytes()[:10])
    assert cached_distribution(VERSION, cache_root=tmp_path) is None


def test_offline_with_an_unusable_cache_fails_naming_the_folder_and_the_switch(tmp_path: Path) -> None:
    with pytest.raises(MissingDependency) as failure:
        ensure_kafka(VERSION, cache_root=tmp_path, offline=True)
    message = str(failure.value)
    assert str(tmp_path / "kafka" / VERSION / "libs") in message
    assert "PARLEY_KAFKA_OFFLINE=1" in message
    assert "make services" in message


def test_programs_in_the_virtualenv_do_not_count_as_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    venv_bin = Path(sys.prefix) / "bin"
    assert (venv_bin / "python").exists()
    monkeypatch.setenv("PATH", str(venv_bin))
    assert find_program("python") is None
