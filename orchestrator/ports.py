"""Every port of the core, in one place: what the service layer needs from the outside world.

Adapters implement these (``channels/`` for Channel, ``parley/store`` for StateStore, …); the
composition root (``parley/bootstrap.py``) wires them from settings. Each section below belongs to
one capability; keep the protocols small.
"""

from __future__ import annotations

# --- Channel (channels/) ---------------------------------------------------------------------

# --- Templates (orchestrator/templating) ----------------------------------------------------

# --- Publisher, Clock, StateStore (service layer) --------------------------------------------
