"""Compact JSON writers, made once and shared by the codecs (records, replay blobs, states, CloudEvents):
``json.dumps`` builds a new encoder on every call given any option. Nothing they are given refers to
itself, so no circularity check."""

from __future__ import annotations

import json

COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, as ``COMPACT_JSON.encode(value)``."""
COMPACT_ASCII_JSON = json.JSONEncoder(separators=(",", ":"), check_circular=False)
"""``json.dumps(value, separators=(",", ":"))``, as ``COMPACT_ASCII_JSON.encode(value)``."""
