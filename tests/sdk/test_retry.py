"""Retries: the policy's waits (pure), and the clients against a real Souk: a 429 from its rate limiter is
retried after the server's Retry-After, a 503 after backoff, each up to the policy's limit, then raised."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from souk_client import AsyncSouk, ConnectionFailed, RateLimited, RetryPolicy, Souk, Unavailable
from souk_client.retry import parse_retry_after

from tests.fixtures.browser import free_port
from tests.sdk.conftest import LiveSouk, ServerThread

MINT_BURST = 2  # tokens at once, then one more every MINT_EVERY_S
MINT_EVERY_S = 1.0


def test_backoff_doubles_up_to_the_cap_with_jitter_below_the_full_wait() -> None:
    policy = RetryPolicy(max_retries=5, base_s=0.5, cap_s=3.0, jitter=0.5, rand=lambda: 1.0)
    assert [policy.delay(n, 503, None) for n in range(5)] == [0.25, 0.5, 1.0, 1.5, 1.5]
    assert RetryPolicy(jitter=0.5, rand=lambda: 0.0).delay(0, 429, None) == 0.5
    assert policy.delay(5, 503, None) is None  # out of tries


def test_retry_after_is_honoured_unless_longer_than_the_policy_waits() -> None:
    policy = RetryPolicy(max_retry_after_s=10)
    assert policy.delay(0, 429, 7.0) == 7.0
    assert policy.delay(0, 429, 11.0) is None
    assert policy.delay(0, 400, None) is None and policy.delay(0, 500, None) is None
    assert policy.delay(0, None, None) is not None  # no answer at all (connection refused): retried
    assert parse_retry_after("3") == 3.0 and parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None and parse_retry_after(None) is None


def test_a_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2)


@pytest.fixture(scope="module")
def limited_souk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSouk]:
    """A Souk minting MINT_BURST tokens at once per API key, then one per MINT_EVERY_S."""
    server = ServerThread(Path(tmp_path_factory.mktemp("sdk-limited")) / "souk", limits={
        "mint_merchant": {"count": MINT_BURST, "per_s": MINT_BURST * MINT_EVERY_S}})
    live = server.start()
    try:
        yield live
    finally:
        server.stop()


def test_a_429_is_retried_after_the_servers_retry_after(limited_souk: LiveSouk) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with Souk(limited_souk.url, api_key=limited_souk.api_key, retry=RetryPolicy(max_retries=3), sleep=sleep) as souk:
        minted = [souk.tokens.mint(identity=f"burst{i}", room="lobby", role="member") for i in range(MINT_BURST + 1)]
    assert [m["identity"] for m in minted] == [f"burst{i}" for i in range(MINT_BURST + 1)]
    assert waits and all(w >= 1 for w in waits), waits  # whole seconds from Retry-After, not the 0.5 s backoff


async def test_out_of_retries_the_429_is_raised_with_its_code_and_wait(limited_souk: LiveSouk) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)  # not waiting: the bucket stays empty, every retry is refused again

    async with AsyncSouk(limited_souk.url, api_key=limited_souk.api_key, retry=RetryPolicy(max_retries=2),
                         sleep=sleep) as souk:
        with pytest.raises(RateLimited) as limited:
            for i in range(MINT_BURST + 3):
                await souk.tokens.mint(identity=f"flood{i}", room="lobby", role="member")
    assert limited.value.code == "rate_limited" and limited.value.status == 429
    assert limited.value.request_id is not None and limited.value.request_id.startswith("req_sdk_")
    assert limited.value.retry_after is not None and limited.value.retry_after >= 1
    assert len(waits) >= 2 and waits[-2:] == [limited.value.retry_after] * 2


async def test_a_503_is_retried_with_backoff_then_raised(live_souk: LiveSouk) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(max_retries=3, base_s=0.1, jitter=0.0)
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key, retry=policy, sleep=sleep) as souk:
        host = souk.with_credential((await souk.tokens.mint(identity="host-sdk", room="sdk-show",
                                                            role="host"))["token"])
        with pytest.raises(Unavailable) as down:  # this Souk runs no media plane
            await host.live.start_show("sdk-show", title="no media here")
    assert down.value.status == 503 and down.value.code.endswith("_unavailable")
    assert waits == [0.1, 0.2, 0.4]


def test_a_refused_connection_is_retried_then_raised_as_connection_failed() -> None:
    waits: list[float] = []
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    policy = RetryPolicy(max_retries=2, base_s=0.01, jitter=0)
    with Souk(url, api_key="sk_x", retry=policy, sleep=waits.append) as souk, pytest.raises(ConnectionFailed) as refused:
        souk.rooms.list()
    assert refused.value.code == "connect_failed" and refused.value.status is None
    assert isinstance(refused.value, ConnectionError) and waits == [0.01, 0.02]
    assert refused.value.request_id is not None and refused.value.request_id.startswith("req_sdk_")
