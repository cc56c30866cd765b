"""Link profiles: validated from JSON with clear errors, serialised back to the same JSON."""

from __future__ import annotations

import pytest

from souk.bench.linkem.profile import Direction, LinkProfile, Outage, direction_from, profile_from
from souk.core.errors import ConfigError


def test_symmetric_splits_the_round_trip_and_round_trips_through_json() -> None:
    p = LinkProfile.symmetric(rtt_ms=150, loss=0.02, burst=3, jitter_ms=5).with_outage(10, 5)
    assert p.up.delay_ms == p.down.delay_ms == 75
    assert p.up.outages == p.down.outages == (Outage(10, 5),)
    assert profile_from(p.to_json()) == p


def test_missing_directions_are_perfect_links() -> None:
    assert profile_from({}) == LinkProfile(up=Direction(), down=Direction(), seed=1)
    assert profile_from({"up": {"loss": 0.5}}).down == Direction()


@pytest.mark.parametrize(("raw", "words"), [
    ({"loss": 1.5}, "loss must be within [0, 1]"),
    ({"loss": "5%"}, "loss must be a number"),
    ({"delay_ms": -1}, "delay_ms must be within"),
    ({"delay": 10}, "unknown link setting(s) delay"),
    ({"burst": 0.5, "loss": 0.1}, "burst must be within [1,"),
    ({"burst": 2, "loss": 1.0}, "burst needs a loss below 1"),
    ({"rate_kbps": 100, "queue_bytes": 10}, "queue_bytes must be within"),
    ({"queue_bytes": 1.5}, "queue_bytes must be an integer"),
    ({"reorder": "yes"}, "reorder must be true or false"),
    ({"outages": [{"at_s": 1}]}, "an outage must be {at_s, duration_s}"),
    ({"outages": [{"at_s": 1, "duration_s": -2}]}, "outage duration_s must be within"),
    ({"outages": 5}, "outages must be a list"),
    ({"jitter_ms": float("nan")}, "jitter_ms must be a number"),
])
def test_bad_direction_settings_are_refused_with_the_reason(raw: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as err:
        direction_from(raw)
    assert words in err.value.message


def test_bad_profiles_are_refused() -> None:
    for raw, words in (([], "must be an object"), ({"left": {}}, "unknown link profile key(s) left"),
                       ({"seed": "x"}, "seed must be an integer"), ({"up": 3}, "must be an object")):
        with pytest.raises(ConfigError) as err:
            profile_from(raw)  # type: ignore[arg-type]
        assert words in err.value.message


def test_link_numbers_name_devices_and_private_addresses() -> None:
    from souk.bench.linkem.netdev import LinkAddrs

    a = LinkAddrs.of(3)
    assert (a.core_dev, a.shopper_dev, a.core_addr, a.shopper_addr) == ("lkc3", "lks3", "10.77.3.1", "10.77.3.2")
    for bad in (-1, 256, True, "1"):
        with pytest.raises(ConfigError, match="link index must be an integer in"):
            LinkAddrs.of(bad)  # type: ignore[arg-type]
