"""TwiML for Parley's calls, as pure functions of the rendered text (testable without Twilio).

A human hears the live script inside a one-digit ``<Gather>``: 1 texts the payment link, 2 asks
for a call back, 9 stops calls. A machine gets only the limited-content voicemail: the call is
placed with asynchronous answering-machine detection (``DetectMessageEnd``), and when the AMD
callback says ``machine_end_*`` the webhook replaces the running TwiML with :func:`voicemail_twiml`,
so the recording after the beep holds the voicemail text and nothing else.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from orchestrator.outbound import KEYPAD_ACTIONS, KeypadAction

_VOICES = {"en": "en-US", "es": "es-US"}

_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "menu_payment_link": "Press 1 and we will text you a secure payment link.",
        "menu_callback": "Press 2 to ask for a call back.",
        "menu_stop": "Press 9 if you do not want us to call this number again.",
        "goodbye": "Thank you. Goodbye.",
        "payment_link": "We are texting you a secure payment link now. Thank you. Goodbye.",
        "callback": "Thank you. Someone from our team will call you back. Goodbye.",
        "stop_calls": "Understood. We will not call this number again. Goodbye.",
        "unknown": "Sorry, that is not an option. Goodbye.",
    },
    "es": {
        "menu_payment_link": "Oprima 1 y le enviaremos por mensaje de texto un enlace de pago seguro.",
        "menu_callback": "Oprima 2 para pedir que le llamemos.",
        "menu_stop": "Oprima 9 si no desea que llamemos a este número otra vez.",
        "goodbye": "Gracias. Adiós.",
        "payment_link": "Le estamos enviando un enlace de pago seguro. Gracias. Adiós.",
        "callback": "Gracias. Alguien de nuestro equipo le llamará. Adiós.",
        "stop_calls": "Entendido. No volveremos a llamar a este número. Adiós.",
        "unknown": "Lo siento, esa opción no existe. Adiós.",
    },
}


def _language(locale: str) -> str:
    return locale.split("-")[0].split("_")[0].lower() if locale else "en"


def _phrases(locale: str) -> dict[str, str]:
    return _PHRASES.get(_language(locale), _PHRASES["en"])


def _voice(locale: str) -> str:
    return _VOICES.get(_language(locale), "en-US")


def live_call_twiml(script: str, keypad_url: str, locale: str = "en", offer_payment_link: bool = True) -> str:
    """The live script with the keypad menu; ``keypad_url`` receives the digit (``Digits``)."""
    phrases, voice = _phrases(locale), _voice(locale)
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, action=keypad_url, method="POST", timeout=8)
    gather.say(script, language=voice)
    menu = [phrases["menu_callback"], phrases["menu_stop"]]
    if offer_payment_link:
        menu.insert(0, phrases["menu_payment_link"])
    gather.say(" ".join(menu), language=voice)
    response.append(gather)
    response.say(phrases["goodbye"], language=voice)
    return str(response)


def voicemail_twiml(text: str, locale: str = "en") -> str:
    """Only the limited-content voicemail text, then hang up."""
    response = VoiceResponse()
    response.say(text, language=_voice(locale))
    response.hangup()
    return str(response)


def keypad_reply_twiml(digit: str, locale: str = "en") -> tuple[KeypadAction | None, str]:
    """What the caller pressed means, and the TwiML that acknowledges it."""
    action = KEYPAD_ACTIONS.get(digit.strip())
    response = VoiceResponse()
    response.say(_phrases(locale)[action or "unknown"], language=_voice(locale))
    response.hangup()
    return action, str(response)
