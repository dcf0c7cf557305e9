"""The Debian packages the dev servers run on (redis-server, a Java runtime, Maven), installed with
apt-get when missing: the project's own files set up a fresh machine, nothing is installed by hand."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from parley.devservers.process import MissingDependency, find_program, running_as_root

# program on PATH -> the Debian package that provides it
REQUIRED_PROGRAMS: dict[str, str] = {
    "redis-server": "redis-server",
    "java": "default-jre-headless",
    "mvn": "maven",
}


@dataclass(frozen=True)
class PackageReport:
    """What `ensure_system_packages` found or installed."""

    present: dict[str, str]
    installed: tuple[str, ...]


def missing_programs(programs: dict[str, str] | None = None) -> dict[str, str]:
    """The programs not on PATH, mapped to the package that provides them."""
    wanted = REQUIRED_PROGRAMS if programs is None else programs
    return {program: package for program, package in wanted.items() if find_program(program) is None}


def _apt_get(*args: str) -> None:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "-q", "-y", "-o", "Dpkg::Use-Pty=0", *args]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        raise MissingDependency(
            f"`{' '.join(command)}` failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-2000:]}"
        )


def ensure_system_packages(programs: dict[str, str] | None = None) -> PackageReport:
    """Install the Debian packages of any missing program (as root, non-interactive)."""
    wanted = REQUIRED_PROGRAMS if programs is None else programs
    missing = missing_programs(wanted)
    if missing:
        packages = sorted(set(missing.values()))
        if shutil.which("apt-get") is None or not running_as_root():
            raise MissingDependency(
                f"missing {', '.join(sorted(missing))}; install them as root: apt-get install -y {' '.join(packages)}"
            )
        _apt_get("update")
        _apt_get("install", "--no-install-recommends", *packages)
        still_missing = missing_programs(wanted)
        if still_missing:
            raise MissingDependency(f"apt-get installed {packages} but {sorted(still_missing)} are still not on PATH")
    present = {program: find_program(program) or "?" for program in wanted}
    return PackageReport(present=present, installed=tuple(sorted(set(missing.values()))))
