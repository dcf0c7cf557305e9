"""Parley: an outbound communication orchestrator for debt collection.

This package is the composition root and the entry points: settings, the CLI, the wiring of
adapters to the core (``orchestrator``), and the local development servers. The domain lives in
``orchestrator``; provider adapters in ``channels``; the faust app in ``consumers``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("parley")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
