"""TokenGuard: a watch ends once, at expiry or revocation; revoked ids are refused by verify; polling picks up
revocations made by another process; and token ids name their merchant."""

from __future__ import annotations

import asyncio
import time

import pytest

from souk.auth.guard import TokenGuard
from souk.auth.revocation import MemoryRevocations
from souk.auth.tokens import TokenRevoked, TokenService
from souk.core.errors import SoukError

SECRET = "g" * 40


def setup() -> tuple[TokenService, TokenGuard, MemoryRevocations]:
    store = MemoryRevocations()
    guard = TokenGuard(store, poll_s=0.05)
    tokens = TokenService(SECRET)
    tokens.use_revocations(guard.is_revoked)
    return tokens, guard, store


async def test_a_watch_ends_at_expiry_once() -> None:
    tokens, guard, _ = setup()
    claims = tokens.verify(tokens.mint(merchant_id="m1", identity="a", room="r", role="member", ttl_s=1))
    ended: list[SoukError] = []
    guard.watch(claims, ended.append)
    assert len(guard) == 1
    await asyncio.sleep(claims.expires_at - time.time() + 0.2)
    assert [e.code for e in ended] == ["token_expired"]
    assert len(guard) == 0


async def test_revoking_ends_every_watch_of_that_token_and_verify_refuses_it() -> None:
    tokens, guard, _ = setup()
    token = tokens.mint(merchant_id="m1", identity="a", room="r", role="member")
    claims = tokens.verify(token)
    other = tokens.verify(tokens.mint(merchant_id="m1", identity="b", room="r", role="member"))
    ended: list[str] = []
    guard.watch(claims, lambda e: ended.append(f"1:{e.code}"))
    guard.watch(claims, lambda e: ended.append(f"2:{e.code}"))
    kept = guard.watch(other, lambda e: ended.append(f"other:{e.code}"))
    assert await guard.revoke(claims.token_id, "m1", claims.expires_at) is True
    assert sorted(ended) == ["1:token_revoked", "2:token_revoked"]
    with pytest.raises(TokenRevoked) as e:
        tokens.verify(token)
    assert e.value.code == "token_revoked"
    assert not kept.done
    kept.cancel()
    kept.cancel()  # idempotent
    assert len(guard) == 0


async def test_watching_an_already_revoked_token_ends_at_once() -> None:
    tokens, guard, _ = setup()
    claims = tokens.verify(tokens.mint(merchant_id="m1", identity="a", room="r", role="member"))
    await guard.revoke(claims.token_id, "m1", claims.expires_at)
    ended: list[str] = []
    guard.watch(claims, lambda e: ended.append(e.code))
    await asyncio.sleep(0)
    assert ended == ["token_revoked"]


async def test_polling_picks_up_a_revocation_made_elsewhere() -> None:
    tokens, guard, store = setup()
    await guard.start()
    try:
        claims = tokens.verify(tokens.mint(merchant_id="m1", identity="a", room="r", role="member"))
        ended: list[str] = []
        guard.watch(claims, lambda e: ended.append(e.code))
        await store.revoke(claims.token_id, "m1", claims.expires_at)  # e.g. `souk token revoke` on this host
        for _ in range(40):
            if ended:
                break
            await asyncio.sleep(0.05)
        assert ended == ["token_revoked"] and guard.is_revoked(claims.token_id)
    finally:
        await guard.aclose()
        await guard.aclose()


class _SlowRead(MemoryRevocations):
    """live() answers what the store held when the read started, after the test lets it finish."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def live(self) -> dict[str, str]:
        snapshot = await super().live()
        await self.release.wait()
        return snapshot


async def test_a_refresh_in_flight_does_not_undo_a_revocation_made_meanwhile() -> None:
    store = _SlowRead()
    guard = TokenGuard(store, poll_s=60)
    tokens = TokenService(SECRET)
    tokens.use_revocations(guard.is_revoked)
    token = tokens.mint(merchant_id="m1", identity="a", room="r", role="member")
    claims = tokens.verify(token)
    reading = asyncio.create_task(guard.refresh())  # its read starts before the revocation is stored
    await asyncio.sleep(0)
    await guard.revoke(claims.token_id, "m1", claims.expires_at)
    store.release.set()
    await reading
    assert guard.is_revoked(claims.token_id)
    with pytest.raises(TokenRevoked):
        tokens.verify(token)
    ended: list[str] = []
    guard.watch(claims, lambda e: ended.append(e.code))
    await asyncio.sleep(0)
    assert ended == ["token_revoked"]


def test_token_ids_name_their_merchant() -> None:
    tokens = TokenService(SECRET)
    jti = tokens.verify(tokens.mint(merchant_id="m1", identity="a", room="r", role="member")).token_id
    assert tokens.owns("m1", jti)
    assert not tokens.owns("m2", jti)
    assert not tokens.owns("m1", jti.split(".")[0])
    assert not tokens.owns("m1", "tok_made_up.0123456789abcdef")
    assert not TokenService("h" * 40).owns("m1", jti)  # another server's secret


def test_an_expired_or_revoked_token_still_decodes_for_revoking() -> None:
    tokens = TokenService(SECRET, now=lambda: time.time() - 7200)
    old = tokens.mint(merchant_id="m1", identity="a", room="r", role="member", ttl_s=60)
    claims = TokenService(SECRET).decode_unchecked_expiry(old)
    assert claims.merchant_id == "m1" and claims.token_id
    with pytest.raises(SoukError) as e:
        TokenService("h" * 40).decode_unchecked_expiry(old)
    assert e.value.code == "token_invalid"
