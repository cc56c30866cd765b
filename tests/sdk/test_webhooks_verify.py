"""The SDK's webhook verification agrees with the server's signing (souk.desk.webhook_signing) both ways, and
refuses what the server's own verify() refuses, with the same codes."""

from __future__ import annotations

import json

import pytest
from souk_client import InvalidSignature, construct_event, sign, verify_signature

from souk.desk import webhook_signing as server

SECRET = "whsec-test-0123456789abcdef"
NOW = 1_800_000_000
BODY = json.dumps({"created": NOW, "data": {"conversation_id": "c1", "reason": "asked"}, "id": "evt_1",
                   "merchant_id": "lumen", "type": "handoff"}, separators=(",", ":")).encode()


def test_a_server_signature_verifies_with_the_sdk_and_back() -> None:
    header = server.sign(SECRET, NOW, BODY)
    assert verify_signature(SECRET, header, BODY, now=NOW + 10) == NOW
    assert server.verify(SECRET, sign(SECRET, NOW, BODY), BODY, now=NOW) == NOW
    event = construct_event(SECRET, {"souk-signature": header}, BODY, now=NOW)  # header names: any case
    assert (event.id, event.type, event.merchant_id, event.created) == ("evt_1", "handoff", "lumen", NOW)
    assert event.data == {"conversation_id": "c1", "reason": "asked"}


@pytest.mark.parametrize(("header", "body", "now", "code"), [
    (None, BODY, NOW, "signature_missing"),
    ("", BODY, NOW, "signature_missing"),
    ("v1=abc", BODY, NOW, "signature_malformed"),
    (f"t=soon,v1={'0' * 64}", BODY, NOW, "signature_malformed"),
    (f"t={NOW}", BODY, NOW, "signature_malformed"),
    (server.sign(SECRET, NOW, BODY), BODY, NOW + 301, "signature_expired"),
    (server.sign(SECRET, NOW, BODY), BODY, NOW - 301, "signature_expired"),
    (server.sign(SECRET, NOW, BODY), BODY + b" ", NOW, "signature_mismatch"),
    (server.sign("another-secret-0123456789", NOW, BODY), BODY, NOW, "signature_mismatch"),
])
def test_refusals_match_the_servers(header: str | None, body: bytes, now: int, code: str) -> None:
    with pytest.raises(InvalidSignature) as sdk:
        verify_signature(SECRET, header, body, now=now)
    with pytest.raises(server.InvalidSignature) as srv:
        server.verify(SECRET, header, body, now=now)
    assert sdk.value.code == srv.value.code == code
    assert isinstance(sdk.value, ValueError)


def test_rotation_several_v1_values_and_several_secrets() -> None:
    old, new = "old-secret-0123456789abcd", "new-secret-0123456789abcd"
    both = f"t={NOW},v1={server.compute(old, NOW, BODY)},v1={server.compute(new, NOW, BODY)}"
    assert verify_signature(new, both, BODY, now=NOW) == NOW
    assert verify_signature([old, new], server.sign(new, NOW, BODY), BODY, now=NOW) == NOW
    with pytest.raises(InvalidSignature):
        verify_signature([old], server.sign(new, NOW, BODY), BODY, now=NOW)


def test_a_body_that_is_not_an_event_is_refused_after_the_signature() -> None:
    raw = b"[1, 2]"
    with pytest.raises(InvalidSignature) as refused:
        construct_event(SECRET, {"Souk-Signature": sign(SECRET, NOW, raw)}, raw, now=NOW)
    assert refused.value.code == "signature_malformed"
    with pytest.raises(TypeError):
        verify_signature(SECRET, sign(SECRET, NOW, BODY), json.loads(BODY), now=NOW)  # type: ignore[arg-type]
