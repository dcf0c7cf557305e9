"""The domain and service layer: decisions, state transitions, planning, rendering. No I/O."""
