"""The use cases: an inbound event in, a due send out — the same code for the worker and the embedded runner.

Each use case loads a debtor's record through the ``StateStore`` port, decides with the pure core
(transitions, compliance engine, cadence planning, channel policy, renderer), writes the effects
atomically, and returns the output events for the transport to publish.
"""
