"""Hand-off rules as data: which signals trip which reason, a merchant's settings, the packet's bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest, TooLarge
from souk.domain.desk.handoff import (
    DEFAULT_RULES,
    MAX_TRANSCRIPT,
    HandoffDecision,
    HandoffPacket,
    HandoffReason,
    HandoffRule,
    HandoffSettings,
    HandoffSignals,
    Signal,
    Speaker,
    TranscriptLine,
    decide,
)

R = HandoffReason
DEFAULT = HandoffSettings()


@pytest.mark.parametrize(
    ("signals", "reason"),
    [
        (HandoffSignals(explicit_request=True), R.EXPLICIT_REQUEST),
        (HandoffSignals(frustration_count=2), R.FRUSTRATION),
        (HandoffSignals(damaged_or_wrong_item=True), R.DAMAGED_OR_WRONG_ITEM),
        (HandoffSignals(same_question_failures=3), R.REPEATED_FAILURE),
        (HandoffSignals(vip=True), R.VIP),
        (HandoffSignals(forbidden_request=True), R.NOT_ALLOWED),
    ],
)
def test_each_default_rule_trips_on_its_signal(signals: HandoffSignals, reason: HandoffReason) -> None:
    assert decide(signals, DEFAULT) == HandoffDecision(True, reason, (reason,))


def test_below_the_levels_the_ai_keeps_the_conversation() -> None:
    calm = HandoffSignals(frustration_count=1, same_question_failures=2, order_value=Decimal(9999))
    assert decide(calm, DEFAULT) == HandoffDecision(False)
    assert decide(HandoffSignals(), DEFAULT) == HandoffDecision(False)


def test_order_value_only_with_the_merchants_threshold() -> None:
    settings = HandoffSettings(order_value_threshold=Decimal(500))
    assert decide(HandoffSignals(order_value=Decimal("499.99")), settings).handoff is False
    assert decide(HandoffSignals(order_value=Decimal(500)), settings) == HandoffDecision(
        True, R.HIGH_VALUE_ORDER, (R.HIGH_VALUE_ORDER,)
    )


def test_every_tripped_reason_in_rule_order_the_first_wins() -> None:
    signals = HandoffSignals(explicit_request=True, vip=True, frustration_count=5)
    assert decide(signals, DEFAULT) == HandoffDecision(
        True, R.EXPLICIT_REQUEST, (R.EXPLICIT_REQUEST, R.FRUSTRATION, R.VIP)
    )


def test_a_merchant_can_drop_and_retune_rules_but_not_the_explicit_request() -> None:
    settings = HandoffSettings(rules=(HandoffRule(R.FRUSTRATION, Signal.FRUSTRATION_COUNT, Decimal(4)),))
    assert decide(HandoffSignals(vip=True, frustration_count=3), settings).handoff is False
    assert decide(HandoffSignals(frustration_count=4), settings).reason is R.FRUSTRATION
    assert decide(HandoffSignals(explicit_request=True), settings).reason is R.EXPLICIT_REQUEST
    assert (
        decide(HandoffSignals(explicit_request=True), HandoffSettings(rules=())).reason is R.EXPLICIT_REQUEST
    )


def test_settings_round_trip_as_stored() -> None:
    settings = HandoffSettings(rules=DEFAULT_RULES[:2], order_value_threshold=Decimal("250.50"))
    data = settings.to_dict()
    assert data["order_value_threshold"] == "250.50"
    assert data["rules"][0] == {"reason": "explicit_request", "signal": "explicit_request", "at_least": "1"}
    assert HandoffSettings.from_dict(data) == settings
    assert HandoffSettings.from_dict({}) == DEFAULT


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"rules": [{"reason": "bored", "signal": "vip"}]}, "bad_handoff_rule"),
        ({"rules": [{"reason": "vip"}]}, "bad_handoff_rule"),
        ({"rules": [{"reason": "vip", "signal": "vip", "at_least": 0}]}, "bad_handoff_rule"),
        ({"rules": [{"reason": "vip", "signal": "vip", "at_least": "lots"}]}, "bad_handoff_rule"),
        ({"rules": "all"}, "bad_handoff_rule"),
        ({"order_value_threshold": "-1"}, "bad_handoff_rule"),
        ({"rules": [{"reason": "vip", "signal": "vip"}] * 21}, "too_many_handoff_rules"),
    ],
)
def test_malformed_settings_are_refused(data: dict[str, object], code: str) -> None:
    with pytest.raises((BadRequest, TooLarge)) as info:
        HandoffSettings.from_dict(data)
    assert getattr(info.value, "code", None) == code


def test_a_packet_is_bounded() -> None:
    line = TranscriptLine(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), Speaker.SHOPPER, "hi")
    HandoffPacket(R.VIP, "en", transcript=(line,) * MAX_TRANSCRIPT)
    for kwargs in (
        {"transcript": (line,) * (MAX_TRANSCRIPT + 1)},
        {"summary": "x" * 2001},
        {"products_mentioned": ("sku",) * 51},
        {"transcript": (TranscriptLine(line.at, Speaker.AI, "x" * 4001),)},
    ):
        with pytest.raises(TooLarge) as info:
            HandoffPacket(R.VIP, "en", **kwargs)  # type: ignore[arg-type]
        assert info.value.code == "packet_too_large"
