"""The embedded default: an in-process runner, a synthetic portfolio and debtor behaviour, reports."""
