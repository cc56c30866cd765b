"""Retention policies (souk.domain.retention): defaults with a merchant's own days on top, and bad input."""

from __future__ import annotations

import pytest

from souk.core.settings import PrivacySettings
from souk.domain.retention import DAY_S, DataKind, RetentionError, check_days, policy

DEFAULTS = PrivacySettings().retention_days()


def test_the_settings_give_a_default_for_every_kind() -> None:
    assert set(DEFAULTS) == {k.value for k in DataKind}
    p = policy(DEFAULTS, {})
    assert p.days[DataKind.AUDIT_LOG] == 2190 and not p.own


def test_a_merchant_s_own_days_win_and_give_the_cutoff() -> None:
    p = policy(DEFAULTS, {"recordings": 30})
    assert p.days[DataKind.RECORDINGS] == 30 and p.own == {DataKind.RECORDINGS}
    assert p.cutoff(DataKind.RECORDINGS, 100 * DAY_S) == 70 * DAY_S
    assert p.days[DataKind.QUALITY_RECORDS] == DEFAULTS["quality_records"]


@pytest.mark.parametrize("kind,days", [("recordings", 0), ("recordings", -1), ("recordings", 36501),
                                       ("recordings", True), ("recordings", 1.5), ("photos", 10)])
def test_bad_days_or_kinds_are_refused(kind: str, days: object) -> None:
    with pytest.raises(RetentionError):
        check_days(kind, days)  # type: ignore[arg-type]


def test_a_default_missing_is_refused() -> None:
    with pytest.raises(RetentionError):
        policy({k: v for k, v in DEFAULTS.items() if k != "audit_log"}, {})
