"""The store's Lua scripts: files in ``lua/``, read once, run by SHA (EVALSHA) with a NOSCRIPT reload.

``_lib.lua`` holds helpers shared by the scripts; it is prepended to each script's source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

SCRIPT_NAMES = (
    "commit",
    "update_state",
    "begin_dispatch",
    "finish_dispatch",
    "release_dispatch",
    "reschedule",
    "claim_due",
    "index_destination",
)


@dataclass(frozen=True, slots=True)
class LuaScript:
    """One script's full source and its SHA1 (what EVALSHA names it by)."""

    name: str
    source: str
    sha: str


@cache
def lua_scripts() -> dict[str, LuaScript]:
    """Every script by name, read from the package once per process."""
    folder = resources.files("parley.store") / "lua"
    prelude = (folder / "_lib.lua").read_text(encoding="utf-8")
    scripts = {}
    for name in SCRIPT_NAMES:
        source = prelude + "\n" + (folder / f"{name}.lua").read_text(encoding="utf-8")
        scripts[name] = LuaScript(name, source, hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest())
    return scripts
