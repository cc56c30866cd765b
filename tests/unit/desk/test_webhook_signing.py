"""Signing and verify(): a golden value, and every way a signature must be refused."""

from __future__ import annotations

import pytest

from souk.desk.webhook_signing import InvalidSignature, parse, sign, verify

SECRET = "whsec_0123456789abcdef"
BODY = b'{"id":"evt_1","type":"handoff"}'
TS = 1_800_000_000
GOLDEN = "t=1800000000,v1=044b14ff7928629e4e4268bee6db01e52b934ddead05f73254bb7b7ef8f1f23b"


def test_sign_matches_the_golden_value() -> None:
    assert sign(SECRET, TS, BODY) == GOLDEN


def test_verify_accepts_a_fresh_signature_and_returns_its_timestamp() -> None:
    assert verify(SECRET, GOLDEN, BODY, now=TS + 299) == TS
    assert verify(SECRET, GOLDEN, BODY, now=TS - 10) == TS  # a receiver clock slightly behind


def test_tampered_body_is_refused() -> None:
    with pytest.raises(InvalidSignature) as info:
        verify(SECRET, GOLDEN, BODY.replace(b"handoff", b"closed"), now=TS)
    assert info.value.code == "signature_mismatch"


def test_old_timestamp_is_refused_even_with_a_valid_mac() -> None:
    with pytest.raises(InvalidSignature) as info:
        verify(SECRET, GOLDEN, BODY, now=TS + 301)
    assert info.value.code == "signature_expired"
    assert verify(SECRET, GOLDEN, BODY, now=TS + 3000, tolerance_s=3600) == TS


def test_wrong_secret_is_refused() -> None:
    with pytest.raises(InvalidSignature):
        verify("whsec_another_secret_00", GOLDEN, BODY, now=TS)


def test_replayed_timestamp_swap_is_refused() -> None:
    forged = GOLDEN.replace(f"t={TS}", f"t={TS + 100}")
    with pytest.raises(InvalidSignature):
        verify(SECRET, forged, BODY, now=TS + 100)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=now,v1=abc", f"t={TS}", "garbage"])
def test_missing_or_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify(SECRET, header, BODY, now=TS)


def test_any_of_several_v1_values_may_match_for_secret_rotation() -> None:
    header = f"t={TS},v1={'0' * 64},{GOLDEN.split(',')[1]}"
    assert parse(header) == (TS, ["0" * 64, GOLDEN.split("v1=")[1]])
    assert verify(SECRET, header, BODY, now=TS) == TS


def test_invalid_signature_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        verify(SECRET, "nope", BODY, now=TS)
