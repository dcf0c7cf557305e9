"""Render throughput of a typical SMS template (payment_reminder, English, payment link, footer), one core.

Run: ``.venv/bin/python bench/bench_render.py [--seconds 3]``. Prints renders per second.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from orchestrator.templating import AccountFacts, PaymentLinks, RenderContext, Renderer
from parley.template_files import bundled_root, load_catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="How long to measure.")
    parser.add_argument("--locale", default="en")
    args = parser.parse_args()
    renderer = Renderer(load_catalog(bundled_root()), PaymentLinks(b"bench-secret", "https://pay.example.com/p/"))
    base = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    contexts = [
        RenderContext(
            debtor_id=f"D-{n:06d}",
            first_name="Maria",
            accounts=(AccountFacts(id=f"A-{n:06d}", creditor="Acme Bank", balance=Decimal("1250.00")),),
            amount_due=Decimal("75.00") + n,
            due_date=date(2026, 3, 16),
            first_contact=n % 2 == 0,
            now=base + timedelta(minutes=n),
        )
        for n in range(100)
    ]
    for context in contexts[:50]:  # warm the compile cache and Babel's locale data
        renderer.render("payment_reminder", "sms", args.locale, context)
    renders, started = 0, time.perf_counter()
    deadline = started + args.seconds
    while time.perf_counter() < deadline:
        for context in contexts:
            renderer.render("payment_reminder", "sms", args.locale, context)
        renders += 100
    elapsed = time.perf_counter() - started
    rate = renders / elapsed
    print(f"payment_reminder sms/{args.locale}: {rate:,.0f} renders/s ({renders} in {elapsed:.2f} s, one core)")


if __name__ == "__main__":
    main()
