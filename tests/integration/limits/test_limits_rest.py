"""Rate limits on a real Souk over HTTP: consult rings from one shopper and from one address (the demo
flood of the issue: fresh demo shoppers ringing consoles), and token minting; every refusal is 429 with
Retry-After and the stable code."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from souk.core.clock import ManualClock
from tests.fixtures.browser import running_souk


def refused(r: httpx.Response, code: str = "rate_limited") -> None:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == code and int(r.headers["Retry-After"]) >= 1


async def test_a_shopper_rings_consoles_a_few_times_a_minute(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", limits={"ring_identity": {"count": 2, "per_s": 60}}) as s, \
            httpx.AsyncClient(base_url=s.base_url) as http:
        token = s.ctx.tokens.mint(merchant_id=s.merchant_id, identity="shopper-1", room="lobby", role="member")
        h = {"Authorization": f"Bearer {token}"}
        for _ in range(2):
            r = await http.post("/v1/consults", headers=h, json={"product_sku": "AP-1001"})
            assert r.status_code == 201, r.text
            room_h = {"Authorization": f"Bearer {r.json()['token']}"}  # the call's room token hangs up
            assert (await http.post(f"/v1/consults/{r.json()['call']['call_id']}/hangup", headers=room_h)).is_success
        r = await http.post("/v1/consults", headers=h, json={"product_sku": "AP-1001"})
        refused(r)
        assert r.json()["error"]["details"]["limit"] == "ring"
        assert not [c for c in s.ctx.calls.active(s.merchant_id) if c.shopper == "shopper-1"]


async def test_demo_shoppers_from_one_address_cannot_flood_the_consoles(tmp_path: Path) -> None:
    """The issue's 300 rings in 8 s from demo shoppers: with the default limits the address runs dry after 60.
    The clock stands still, so no refill lets a slow run (a busy CI machine) ring more."""
    async with running_souk(tmp_path / "souk", clock=ManualClock()) as s, \
            httpx.AsyncClient(base_url=s.base_url) as http:
        rung = 0
        for _ in range(80):
            shopper = (await http.post("/v1/demo/tokens", json={"as": "shopper"})).json()["token"]
            r = await http.post("/v1/consults", headers={"Authorization": f"Bearer {shopper}"},
                                json={"product_sku": "AP-1001"})
            if r.status_code == 429:
                refused(r)
                break
            assert r.status_code == 201, r.text
            rung += 1
        assert rung == s.settings.limits.ring_address.count
        assert len(s.ctx.calls.active(s.merchant_id)) == rung


async def test_minting_is_limited_per_key_holder(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", limits={"mint_merchant": {"count": 3, "per_s": 60}}) as s, \
            httpx.AsyncClient(base_url=s.base_url) as http:
        key = {"Authorization": f"Bearer {s.api_key}"}
        body = {"identity": "v", "room": "lobby", "role": "member"}
        for _ in range(3):
            assert (await http.post("/v1/tokens", headers=key, json=body)).status_code == 200
        refused(await http.post("/v1/tokens", headers=key, json=body))


@pytest.mark.redis
async def test_with_redis_limits_and_revocations_are_shared(tmp_path: Path, redis_url: str) -> None:
    """Two Souk processes on one Redis (two apps here): one budget, and a revocation on one refuses the token
    on the other."""
    limits = {"mint_merchant": {"count": 3, "per_s": 60}}
    async with running_souk(tmp_path / "a", redis_url=redis_url, limits=limits) as a, \
            running_souk(tmp_path / "b", redis_url=redis_url, limits=limits,
                         auth={"token_secret": "shared-secret-" + "z" * 30}) as b, \
            httpx.AsyncClient() as http:
        body = {"identity": "v", "room": "lobby", "role": "member"}
        for s in (a, a, b):
            r = await http.post(f"{s.base_url}/v1/tokens", headers={"Authorization": f"Bearer {s.api_key}"}, json=body)
            assert r.status_code == 200, r.text
        refused(await http.post(f"{b.base_url}/v1/tokens", headers={"Authorization": f"Bearer {b.api_key}"},
                                json=body))
        # a revocation written by one process is read by the other's guard
        token = b.ctx.tokens.mint(merchant_id=b.merchant_id, identity="v", room="lobby", role="member")
        claims = b.ctx.tokens.verify(token)
        assert a.ctx.guard is not None and b.ctx.guard is not None
        await a.ctx.guard.revoke(claims.token_id, b.merchant_id, claims.expires_at)
        await b.ctx.guard.refresh()
        assert b.ctx.guard.is_revoked(claims.token_id)
