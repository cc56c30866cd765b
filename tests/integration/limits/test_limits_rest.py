"""Rate limits on a real Souk over HTTP: consult rings from one shopper and from one address (the demo
flood of the issue: fresh demo shoppers ringing consoles), and token minting; every refusal is 429 with
Retry-After and the stable code."""

from __future__ import annotations

from pathlib import Path

import httpx

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
    """The issue's 300 rings in 8 s from demo shoppers: with the default limits the address runs dry after 60."""
    async with running_souk(tmp_path / "souk") as s, httpx.AsyncClient(base_url=s.base_url) as http:
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
        count = s.settings.limits.ring_address.count
        assert count <= rung <= count + 3  # (one more a second refills while the loop runs)
        assert len(s.ctx.calls.active(s.merchant_id)) == rung


async def test_minting_is_limited_per_key_holder(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", limits={"mint_merchant": {"count": 3, "per_s": 60}}) as s, \
            httpx.AsyncClient(base_url=s.base_url) as http:
        key = {"Authorization": f"Bearer {s.api_key}"}
        body = {"identity": "v", "room": "lobby", "role": "member"}
        for _ in range(3):
            assert (await http.post("/v1/tokens", headers=key, json=body)).status_code == 200
        refused(await http.post("/v1/tokens", headers=key, json=body))
