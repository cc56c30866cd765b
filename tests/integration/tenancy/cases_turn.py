"""Cases for the ICE servers route (TURN credentials; docs/turn.md)."""

from __future__ import annotations

from tests.integration.tenancy.tenancy_app import A, B, Tenancy
from tests.integration.tenancy.tenancy_registry import b_host, b_key, b_staff, b_viewer, clean, covers


@covers("GET", "/v1/ice-servers")
async def ice_servers(t: Tenancy) -> None:
    """Every B token gets TURN credentials naming B and its own identity, whatever room id (A's too) the
    token carries; an API key gets none."""
    for token, identity in ((b_host(t), "host-1"), (b_viewer(t), "viewer-1"), (b_staff(t), "seller-1")):
        async with t.http(token) as c:
            body = clean(t, await c.get("/v1/ice-servers"))
        turn = [s for s in body["ice_servers"] if "username" in s]
        assert turn and body["expires_at"] > 0, body
        for s in turn:
            _, merchant, who = s["username"].split(":", 2)
            assert (merchant, who) == (B, identity) and f":{A}:" not in s["username"], s
    async with t.http(b_key(t)) as c:
        r = await c.get("/v1/ice-servers")
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid", r.text
