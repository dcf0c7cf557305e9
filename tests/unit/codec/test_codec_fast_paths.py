"""The faster ways ids, outputs and debtor records are written give the same strings and bytes as the
plain ones they replaced: ids and records already stored, and events already published, must match."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from orchestrator.codec import decode_output, encode_output
from orchestrator.compliance.context import Verdict as RuleVerdict
from orchestrator.compliance.engine import Decision
from orchestrator.domain import DebtorState, to_json_bytes
from orchestrator.domain.codec import _encode
from orchestrator.events import DebtorProfile, Name
from orchestrator.ids import event_identity, fingerprint, send_id, stable_id
from orchestrator.outputs import MessageScheduled, OutputEvent, Verdict, new_output
from orchestrator.service.audit import decision_output
from orchestrator.storage import SendRef
from tests.unit.domain.test_domain_codec import full_state

NOW = datetime(2024, 3, 4, 15, 30, tzinfo=UTC)


def b32_stable_id(prefix: str, *parts: str) -> str:
    """``stable_id`` as first written: base64.b32encode of the digest, cut to 26 characters."""
    digest = hashlib.sha256()
    for part in (prefix, *parts):
        encoded = part.encode("utf-8")
        digest.update(str(len(encoded)).encode("ascii") + b":" + encoded)
    return f"{prefix}_{base64.b32encode(digest.digest()[:20]).decode('ascii')[:26].lower()}"


def random_text(rng: random.Random) -> str:
    alphabet = "abc-_:.0123456789éß€\u2028😀\x00\n"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))


def test_stable_id_spells_the_digest_as_b32encode_did() -> None:
    rng = random.Random(130)
    for _ in range(20_000):
        prefix = random_text(rng) or "evt"
        parts = [random_text(rng) for _ in range(rng.randrange(0, 5))]
        assert stable_id(prefix, *parts) == b32_stable_id(prefix, *parts)


def test_ids_already_issued_stay_the_same() -> None:
    assert send_id("evt-1", "reminder_day3") == "snd_aj7fcbqcgyhbe4jccpisdzgpub"
    assert stable_id("x", "Núñez", "") == "x_q5f7vmydiqpoz7qqoh6soyc4mw"
    assert stable_id("p") == "p_aaj65sa3oze54ubm3yodrg2bre"
    assert event_identity("urn:t", "evt-1") == "ce_idaew6jdwuut2gatxaqhxmnlbx"
    assert fingerprint("ce_abc") == "WJ58lodM0-JA"


def test_fingerprint_is_url_safe_base64_of_the_digest() -> None:
    rng = random.Random(72)
    for _ in range(20_000):
        text = random_text(rng)
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=9).digest()
        assert fingerprint(text) == base64.urlsafe_b64encode(digest).decode("ascii")


def a_decision() -> Decision:
    verdicts = (
        RuleVerdict("time_window_federal", True, "within 08:00-21:00 local"),
        RuleVerdict("call_7_in_7", False, "7 calls in 7 days", NOW + timedelta(days=2)),
    )
    return Decision("deb-1", None, NOW, False, verdicts, NOW + timedelta(days=2), None)  # type: ignore[arg-type]


def test_a_decision_output_encodes_to_the_bytes_it_always_did() -> None:
    data = decision_output(SendRef("deb-1", "snd_1"), "voice", NOW, a_decision())
    event = new_output(data, subject="deb-1", time=NOW, id_parts=("snd_1", "1709566200000"))
    assert encode_output(event)[1] == (
        b'{"specversion":"1.0","id":"evt_yx553uun4szzlieobumjvsfq2o","source":"urn:parley",'
        b'"type":"decision.recorded","subject":"deb-1","time":"2024-03-04T15:30:00Z",'
        b'"datacontenttype":"application/json","data":{"send_id":"snd_1","debtor_id":"deb-1","channel":"voice",'
        b'"at":"2024-03-04T15:30:00Z","allowed":false,"verdicts":[{"rule_id":"time_window_federal","allowed":true,'
        b'"reason":"within 08:00-21:00 local","next_allowed_at":null},{"rule_id":"call_7_in_7","allowed":false,'
        b'"reason":"7 calls in 7 days","next_allowed_at":"2024-03-06T15:30:00Z"}],'
        b'"next_allowed_at":"2024-03-06T15:30:00Z"}}'
    )
    assert decode_output(encode_output(event)[1]) == event


def test_a_decision_output_holds_the_verdicts_built_one_by_one() -> None:
    decision = a_decision()
    data = decision_output(SendRef("deb-1", "snd_1"), "voice", NOW, decision)
    one_by_one = tuple(
        Verdict(rule_id=v.rule_id, allowed=v.allowed, reason=v.reason, next_allowed_at=v.next_allowed_at)
        for v in decision.verdicts
    )
    assert data.verdicts == one_by_one
    assert [v.model_fields_set for v in data.verdicts] == [v.model_fields_set for v in one_by_one]


def test_an_output_event_keeps_its_data_as_built_and_writes_it_with_the_data_model() -> None:
    data = MessageScheduled(
        send_id="snd_1",
        debtor_id="deb-1",
        account_ids=("acc-1",),
        channel="best",
        template_id="payment_reminder",
        purpose="reminder",
        due_at=NOW,
        cause_event_id="evt-1",
        step_id="day3",
    )
    event = new_output(data, subject="deb-1", time=NOW, id_parts=("snd_1",))
    assert event.data is data
    head = OutputEvent.__pydantic_serializer__.to_json(event, by_alias=True, exclude={"data"})
    assert encode_output(event)[1] == head[:-1] + b',"data":' + data.model_dump_json(by_alias=True).encode() + b"}"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=500)
@given(json_values)
def test_the_state_json_writer_gives_what_json_dumps_gives(value: Any) -> None:
    assert to_json(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_a_state_encodes_as_it_did_with_json_dumps() -> None:
    for state in (full_state(), DebtorState(profile=DebtorProfile(id="d-1", name=Name(first="Zoë", last="\u2028")))):
        profile = state.profile.model_dump(mode="json", exclude_defaults=True, by_alias=True)
        rest = _encode(state)
        text = '{"v":1,"p":' + json.dumps(profile, separators=(",", ":"), ensure_ascii=False)
        text += "," + json.dumps(rest, separators=(",", ":"), ensure_ascii=False)[1:] if rest else "}"
        assert to_json_bytes(state) == text.encode()
