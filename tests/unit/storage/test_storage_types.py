"""Column types: exact money and aware UTC timestamps on both dialects (no database needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from souk.storage.types import Money, UTCDateTime

SQLITE, PG = sqlite.dialect(), postgresql.dialect()


@pytest.mark.parametrize("amount", ["0", "0.01", "39.9", "1234567.89", "19.995"])
def test_money_round_trips_through_integer_hundredths(amount: str) -> None:
    t = Money()
    stored = t.process_bind_param(Decimal(amount), SQLITE)
    assert isinstance(stored, int)
    back = t.process_result_value(stored, SQLITE)
    assert back == Decimal(amount).quantize(Decimal("0.01"))
    assert str(back).count(".") == 1 and len(str(back).split(".")[1]) == 2


def test_money_none_stays_none() -> None:
    assert Money().process_bind_param(None, PG) is None
    assert Money().process_result_value(None, PG) is None


def test_utc_datetime_normalises_zones_and_refuses_naive_values() -> None:
    t = UTCDateTime()
    plus8 = dt.datetime(2026, 11, 21, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    on_sqlite = t.process_bind_param(plus8, SQLITE)
    assert on_sqlite == dt.datetime(2026, 11, 21, 14, 0) and on_sqlite.tzinfo is None
    assert t.process_bind_param(plus8, PG) == plus8 and t.process_bind_param(plus8, PG).tzinfo is dt.UTC
    back = t.process_result_value(on_sqlite, SQLITE)
    assert back == plus8 and back.tzinfo is dt.UTC
    with pytest.raises(ValueError):
        t.process_bind_param(dt.datetime(2026, 1, 1), SQLITE)
