"""Local emulators of the Twilio (Messages, Calls) and SendGrid (mail/send) APIs, for tests and demos.

They accept exactly what the official SDKs send, answer as the real APIs do, record every request
(so tests can count sends per send id), and call the configured webhooks back with valid
signatures. Start them with ``python -m channels.emulators --port N`` or ``ProviderEmulator``.
"""

from channels.emulators.server import ProviderEmulator, RecordedRequest

__all__ = ["ProviderEmulator", "RecordedRequest"]
