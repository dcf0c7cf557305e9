"""TwiML built from the rendered voice text: a human gets the menu, a machine only the voicemail."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from channels.twilio_voice import TwilioVoiceChannel
from channels.voice_twiml import keypad_reply_twiml, live_call_twiml, voicemail_twiml
from orchestrator.outbound import OutboundMessage

SCRIPT = "This is Parley Services calling about your account ending 1234, balance 250 dollars."
VOICEMAIL = "This is Alex Morgan from Parley Services. Please call 800 555 0100."


def test_the_live_script_is_spoken_inside_a_one_digit_gather_posting_to_the_keypad_url() -> None:
    root = ET.fromstring(live_call_twiml(SCRIPT, "https://hooks.example/k?send_id=s1", "en"))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1" and gather.get("action") == "https://hooks.example/k?send_id=s1"
    spoken = " ".join(say.text or "" for say in gather.iter("Say"))
    assert SCRIPT in spoken and "Press 1" in spoken and "Press 2" in spoken and "Press 9" in spoken


def test_the_payment_link_option_is_offered_only_when_there_is_a_link() -> None:
    assert "Press 1" not in live_call_twiml(SCRIPT, "https://k", "en", offer_payment_link=False)


def test_spanish_calls_are_spoken_in_spanish() -> None:
    twiml = live_call_twiml("Hola", "https://k", "es")
    assert 'language="es-US"' in twiml and "Oprima 9" in twiml


def test_the_voicemail_holds_only_the_limited_content_text() -> None:
    twiml = voicemail_twiml(VOICEMAIL)
    root = ET.fromstring(twiml)
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert root.find("Say").text == VOICEMAIL  # type: ignore[union-attr]
    assert "balance" not in twiml and "Gather" not in twiml


def test_keypad_digits_map_to_actions_and_an_acknowledgement() -> None:
    assert keypad_reply_twiml("1")[0] == "payment_link"
    assert keypad_reply_twiml("2")[0] == "callback"
    action, twiml = keypad_reply_twiml("9")
    assert action == "stop_calls" and "not call this number again" in twiml
    assert keypad_reply_twiml("4")[0] is None


def test_calls_use_async_message_end_detection_and_carry_the_voicemail_to_the_amd_callback() -> None:
    channel = TwilioVoiceChannel("AC" + "0" * 32, "token", "+18005550100", "https://hooks.example")
    message = OutboundMessage(
        "send-1", "voice", "+15005550006", SCRIPT, "d1", voicemail=VOICEMAIL, payment_link="https://pay"
    )
    parameters = channel.call_parameters(message)
    assert parameters["machine_detection"] == "DetectMessageEnd" and parameters["async_amd"] == "true"
    assert "send_id=send-1" in parameters["status_callback"]
    assert parameters["async_amd_status_callback"].startswith("https://hooks.example/webhooks/twilio/amd?")
    assert "voicemail=This+is+Alex+Morgan" in parameters["async_amd_status_callback"]
    assert SCRIPT in parameters["twiml"] and VOICEMAIL not in parameters["twiml"]
