"""What an emulated link does, per direction: pure, validated, serialisable as JSON.

``up`` is the shopper side sending (shopper -> Souk/Janus), ``down`` the other way. Figures are one-way:
a link of ``delay_ms=75`` in both directions has a 150 ms round trip.

Loss: ``loss`` is the long-run fraction of packets dropped. With ``burst`` unset losses are independent
(Bernoulli; the mean run of consecutive losses is then 1 / (1 - loss)); with ``burst`` = B >= 1 they follow
a two-state Gilbert-Elliott chain (every packet is lost in the bad state, none in the good one) whose bad
state lasts B packets on average, so the mean loss burst is B and the long-run loss rate is still ``loss``.

Bandwidth: ``rate_kbps`` > 0 caps the direction with a token bucket of ``bucket_bytes`` (bursts up to that
size leave at once) in front of a FIFO of at most ``queue_bytes``: a packet that does not fit is dropped at
the tail, as a router's interface queue does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from souk.core.errors import ConfigError

MAX_DELAY_MS = 10_000.0
MAX_OUTAGE_S = 3_600.0


@dataclass(frozen=True, slots=True)
class Outage:
    """A planned blackout: nothing passes from ``at_s`` after the profile is applied, for ``duration_s``."""

    at_s: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class Direction:
    delay_ms: float = 0.0
    jitter_ms: float = 0.0  # each packet's delay is uniform in [delay - jitter, delay + jitter] (never < 0)
    reorder: bool = False  # False: a packet never overtakes an earlier one (its delay is raised instead)
    loss: float = 0.0  # 0..1
    burst: float | None = None  # mean loss burst length in packets (Gilbert-Elliott); None = independent
    rate_kbps: float = 0.0  # 0 = no cap
    bucket_bytes: int = 3_000
    queue_bytes: int = 64_000
    outages: tuple[Outage, ...] = ()

    def __post_init__(self) -> None:
        _check_range("delay_ms", self.delay_ms, 0.0, MAX_DELAY_MS)
        _check_range("jitter_ms", self.jitter_ms, 0.0, MAX_DELAY_MS)
        _check_range("loss", self.loss, 0.0, 1.0)
        if self.burst is not None:
            _check_range("burst", self.burst, 1.0, 10_000.0)
            if self.loss >= 1.0:
                raise ConfigError("burst needs a loss below 1 (a link that loses everything has no bursts)")
        _check_range("rate_kbps", self.rate_kbps, 0.0, 10_000_000.0)
        if self.rate_kbps > 0:
            _check_range("bucket_bytes", self.bucket_bytes, 1_500, 100_000_000)
            _check_range("queue_bytes", self.queue_bytes, 1_500, 100_000_000)
        for o in self.outages:
            _check_range("outage at_s", o.at_s, 0.0, MAX_OUTAGE_S * 24)
            _check_range("outage duration_s", o.duration_s, 0.0, MAX_OUTAGE_S)


@dataclass(frozen=True, slots=True)
class LinkProfile:
    up: Direction = field(default_factory=Direction)  # shopper -> core
    down: Direction = field(default_factory=Direction)  # core -> shopper
    seed: int = 1

    @classmethod
    def symmetric(cls, *, rtt_ms: float = 0.0, seed: int = 1, **direction: Any) -> LinkProfile:
        """The same impairments both ways, ``rtt_ms`` split evenly (e.g. 150 ms RTT = 75 ms each way)."""
        d = direction_from(dict(direction, delay_ms=rtt_ms / 2.0))
        return cls(up=d, down=d, seed=seed)

    def to_json(self) -> dict[str, Any]:
        return {"up": _dir_json(self.up), "down": _dir_json(self.down), "seed": self.seed}

    def with_outage(self, at_s: float, duration_s: float) -> LinkProfile:
        """Both directions black out together at ``at_s`` for ``duration_s``."""
        o = Outage(at_s, duration_s)
        return replace(self, up=replace(self.up, outages=(*self.up.outages, o)),
                       down=replace(self.down, outages=(*self.down.outages, o)))


_DIRECTION_KEYS = {f.name for f in fields(Direction)}


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be within [{lo:g}, {hi:g}], got {value:g}")


def _dir_json(d: Direction) -> dict[str, Any]:
    out = asdict(d)
    out["outages"] = [{"at_s": o.at_s, "duration_s": o.duration_s} for o in d.outages]
    return out


def direction_from(raw: Mapping[str, Any]) -> Direction:
    """A Direction from JSON-like input; unknown keys and bad values raise ConfigError naming them."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"a link direction must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _DIRECTION_KEYS)
    if unknown:
        raise ConfigError(f"unknown link setting(s) {', '.join(unknown)}; known: {', '.join(sorted(_DIRECTION_KEYS))}")
    values = dict(raw)
    outages = values.pop("outages", ())
    if not isinstance(outages, list | tuple):
        raise ConfigError("outages must be a list of {at_s, duration_s}")
    parsed: list[Outage] = []
    for o in outages:
        if isinstance(o, Outage):
            parsed.append(o)
        elif isinstance(o, Mapping) and set(o) == {"at_s", "duration_s"}:
            parsed.append(Outage(o["at_s"], o["duration_s"]))
        else:
            raise ConfigError(f"an outage must be {{at_s, duration_s}}, got {o!r}")
    if "reorder" in values and not isinstance(values["reorder"], bool):
        raise ConfigError(f"reorder must be true or false, got {values['reorder']!r}")
    for key in ("bucket_bytes", "queue_bytes"):
        if key in values and (isinstance(values[key], bool) or not isinstance(values[key], int)):
            raise ConfigError(f"{key} must be an integer, got {values[key]!r}")
    return Direction(**values, outages=tuple(parsed))


def profile_from(raw: Mapping[str, Any]) -> LinkProfile:
    """A LinkProfile from JSON-like input ``{"up": {...}, "down": {...}, "seed": 1}`` (missing = perfect)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"a link profile must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - {"up", "down", "seed"})
    if unknown:
        raise ConfigError(f"unknown link profile key(s) {', '.join(unknown)}; known: down, seed, up")
    seed = raw.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an integer, got {seed!r}")
    return LinkProfile(up=direction_from(raw.get("up", {})), down=direction_from(raw.get("down", {})), seed=seed)
