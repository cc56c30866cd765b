"""souk.api.limits over the in-process store on a manual clock: both buckets of an action, the session cap,
the message size, the verification lockout, and the Retry-After header of a refusal."""

from __future__ import annotations

import pytest

from souk.api.errors import retry_after_header
from souk.api.limits import Limits, Who
from souk.core.clock import ManualClock
from souk.core.errors import RateLimited, TooLarge
from souk.core.ratelimit import MemoryLimitStore
from souk.core.settings import LimitsSettings


def limits(clock: ManualClock, **kw: object) -> Limits:
    return Limits(LimitsSettings(**kw), MemoryLimitStore(clock))  # type: ignore[arg-type]


async def test_a_ring_needs_both_the_identity_and_the_address_bucket() -> None:
    clock = ManualClock()
    lim = limits(clock, ring_identity={"count": 2, "per_s": 60}, ring_address={"count": 3, "per_s": 60})
    a = Who("m1", "shopper-a", "10.0.0.1")
    await lim.ring(a)
    await lim.ring(a)
    with pytest.raises(RateLimited) as e:
        await lim.ring(a)
    assert e.value.code == "rate_limited" and e.value.details == {"retry_after": 30, "limit": "ring"}
    assert retry_after_header(e.value) == {"Retry-After": "30"}
    # new identities from the same address (demo shoppers mint them freely) hit the address bucket
    with pytest.raises(RateLimited):
        await lim.ring(Who("m1", "shopper-b", "10.0.0.1"))
    await lim.ring(Who("m1", "shopper-c", "10.0.0.2"))
    await lim.ring(Who("m2", "shopper-a", "10.0.0.1"))  # another merchant's buckets
    await clock.advance(30)
    await lim.ring(a)


async def test_sessions_are_capped_and_messages_sized() -> None:
    lim = limits(ManualClock(), assistant_sessions_per_identity=2, assistant_message_chars=10)
    who = Who("m1", "s", "ip")
    await lim.assistant_open(who, 1)
    with pytest.raises(RateLimited) as e:
        await lim.assistant_open(who, 2)
    assert e.value.code == "too_many_sessions"
    await lim.assistant_message(who, "x" * 10)
    with pytest.raises(TooLarge) as e2:
        await lim.assistant_message(who, "x" * 11)
    assert e2.value.code == "message_too_large" and retry_after_header(e2.value) is None


async def test_verification_locks_out_after_repeated_failures() -> None:
    clock = ManualClock()
    lim = limits(clock, verify_failures=3, verify_window_s=60, verify_lockout_s=300)
    who = Who("m1", "guest", "ip")
    await lim.verify_failed(who, 2)
    await lim.verify_allowed(who)
    await lim.verify_failed(who)
    with pytest.raises(RateLimited) as e:
        await lim.verify_allowed(who)
    assert e.value.code == "locked_out" and e.value.details["retry_after"] == 300
    with pytest.raises(RateLimited):  # the address is locked too: a fresh guest identity does not help
        await lim.verify_allowed(Who("m1", "guest-2", "ip"))
    await lim.verify_allowed(Who("m2", "guest", "ip"))  # the merchant is in the key
    await clock.advance(300)
    await lim.verify_allowed(who)
