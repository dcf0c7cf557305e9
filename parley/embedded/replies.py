"""What simulated debtors write back, in English and Spanish: the texts a real inbox receives."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from orchestrator.events import Language

ReplyKind = Literal[
    "promise", "stop", "wrong_number", "dispute", "attorney", "hardship", "help", "already_paid", "callback", "ack"
]

# Relative frequency of each kind among replies from a typical debtor (before per-debtor tilts).
BASE_REPLY_WEIGHTS: dict[ReplyKind, float] = {
    "promise": 26.0,
    "stop": 9.0,
    "wrong_number": 2.0,
    "dispute": 4.0,
    "attorney": 1.0,
    "hardship": 9.0,
    "help": 4.0,
    "already_paid": 5.0,
    "callback": 10.0,
    "ack": 30.0,
}

_TEXTS: dict[tuple[ReplyKind, Language], tuple[str, ...]] = {
    ("stop", "en"): ("STOP", "Stop", "stop", "STOP!!", "Please stop texting me", "unsubscribe", "Stop."),
    ("stop", "es"): ("STOP", "Stop", "stop", "Por favor stop", "STOP por favor", "unsubscribe"),
    ("wrong_number", "en"): ("Wrong number", "You have the wrong number, I don't know this person", "wrong #"),
    ("wrong_number", "es"): ("Número equivocado", "Se equivocaron de número, no conozco a esa persona"),
    ("dispute", "en"): ("This isn't my debt", "I don't owe this, I want proof", "I dispute this debt"),
    ("dispute", "es"): ("Esta deuda no es mía", "No debo eso, quiero pruebas", "Disputo esta deuda"),
    ("attorney", "en"): ("Talk to my lawyer", "I have an attorney, contact them not me"),
    ("attorney", "es"): ("Hable con mi abogado", "Tengo un abogado, comuníquese con él"),
    ("hardship", "en"): (
        "I lost my job, I can't pay right now",
        "Money is really tight this month, can we work something out?",
        "I'm in the hospital, please give me some time",
    ),
    ("hardship", "es"): (
        "Perdí mi trabajo, no puedo pagar ahora",
        "Estoy corto de dinero este mes, ¿podemos hacer un plan?",
    ),
    ("help", "en"): ("HELP", "help", "INFO"),
    ("help", "es"): ("AYUDA", "HELP", "info"),
    ("already_paid", "en"): ("I already paid this", "Paid it last week, check your records"),
    ("already_paid", "es"): ("Ya pagué", "Ya lo pagué la semana pasada"),
    ("callback", "en"): ("Call me after 5pm", "Can someone call me tomorrow morning?", "Call me back please"),
    ("callback", "es"): ("Llámenme después de las 5", "¿Me pueden llamar mañana en la mañana?"),
    ("ack", "en"): ("ok thanks", "Ok", "Got it", "thanks", "👍"),
    ("ack", "es"): ("ok gracias", "Gracias", "Está bien", "Recibido"),
}

_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_ES = ("el lunes", "el martes", "el miércoles", "el jueves", "el viernes", "el sábado", "el domingo")


def reply_text(kind: ReplyKind, language: Language, rng: random.Random) -> str:
    """A reply of ``kind`` (not a promise: see :func:`promise_text`)."""
    return rng.choice(_TEXTS[(kind, language)])


def promise_text(amount: Decimal, due: date, today: date, language: Language, rng: random.Random) -> str:
    """A promise to pay ``amount`` on ``due``, phrased the way people text it."""
    whole = f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
    days_ahead = (due - today).days
    if language == "es":
        when = "mañana" if days_ahead == 1 else _WEEKDAYS_ES[due.weekday()]
        phrases: tuple[str, ...] = (
            f"puedo pagar {whole} dólares {when}",
            f"Le pago ${whole} {when}",
            f"Voy a pagar {whole} {when}, gracias",
        )
    else:
        when = "tomorrow" if days_ahead == 1 else _WEEKDAYS_EN[due.weekday()]
        phrases = (
            f"I can pay ${whole} {when}",
            f"I'll pay {whole} dollars on {when}",
            f"Can I do ${whole} {when}?",
            f"I get paid {when}, I'll send ${whole} then",
        )
    return rng.choice(phrases)


def promise_terms(balance: Decimal, today: date, rng: random.Random) -> tuple[Decimal, date]:
    """An amount (a round share of the balance, sometimes all of it) and a date within two weeks."""
    if rng.random() < 0.25:
        amount = balance
    else:
        share = balance * Decimal(str(rng.choice((0.1, 0.15, 0.2, 0.25, 0.33, 0.5))))
        step = Decimal(25) if share < 300 else Decimal(50)
        amount = max(step, (share / step).quantize(Decimal(1)) * step)
        amount = min(amount, balance)
    due = today + timedelta(days=rng.randint(1, 14))
    return amount.quantize(Decimal("0.01")), due
