"""``python -m channels.emulators --port 8099``: run the Twilio and SendGrid emulators until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from channels.emulators.server import ProviderEmulator


async def _serve(args: argparse.Namespace) -> None:
    emulator = ProviderEmulator(
        twilio_account_sid=args.account_sid,
        twilio_auth_token=args.auth_token,
        sendgrid_api_key=args.api_key,
        host=args.host,
        port=args.port,
        sendgrid_event_url=args.sendgrid_event_url,
        sendgrid_inbound_url=args.sendgrid_inbound_url,
        twilio_inbound_url=args.twilio_inbound_url,
    )
    await emulator.start()
    print(f"twilio api base url : {emulator.twilio_base_url}   (PARLEY_TWILIO_API_BASE_URL)")
    print(f"sendgrid api host   : {emulator.sendgrid_host}   (PARLEY_SENDGRID_API_HOST)")
    print(f"sendgrid event key  : {emulator.sendgrid_public_key}   (PARLEY_SENDGRID_EVENT_PUBLIC_KEY)")
    print(f"counts per send id  : GET {emulator.base_url}/_admin/counts", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m channels.emulators", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--account-sid", default="AC" + "0" * 32)
    parser.add_argument("--auth-token", default="emulator-twilio-token")
    parser.add_argument("--api-key", default="SG.emulator-key.emulator-secret")
    parser.add_argument("--sendgrid-event-url", default="", help="Where to post signed SendGrid events.")
    parser.add_argument("--sendgrid-inbound-url", default="", help="Inbound Parse URL for simulated email replies.")
    parser.add_argument("--twilio-inbound-url", default="", help="Inbound SMS URL for simulated replies.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
