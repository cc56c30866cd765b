"""Live-stage REST refusals in a real app without a media plane: non-hosts, wrong rooms, no live show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "live-7"
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage")


@pytest.fixture
async def souk_stage(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


HOST_CALLS = [
    ("post", "show", {"title": "x"}), ("post", "show/end", None), ("post", "stage/invite", {"identity": "a"}),
    ("post", "stage/approve", {"identity": "a"}), ("post", "stage/remove", {"identity": "a"}),
    ("post", "stage/mute", {"identity": "a", "kind": "audio", "muted": True}), ("post", "pk", {"room": "live-8"}),
    ("post", "pk/accept", {"room": "live-8"}), ("delete", "pk", None),
]


async def test_host_endpoints_refuse_everyone_but_the_host(souk_stage: Souk) -> None:
    souk = souk_stage
    mint = souk.ctx.tokens.mint
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        for role in ("audience", "guest", "member", "cohost"):
            who = bearer(mint(merchant_id=souk.merchant_id, identity=f"x-{role}", room=ROOM, role=role))
            for method, path, body in HOST_CALLS:
                r = await http.request(method.upper(), f"/v1/live/{ROOM}/{path}", headers=who, json=body)
                assert r.status_code == 403 and r.json()["error"]["code"] == "not_host", (role, path, r.text)
        r = await http.post(f"/v1/live/{ROOM}/show", json={})
        assert r.status_code == 401 and r.json()["error"]["code"] == "token_missing"
        other_host = bearer(mint(merchant_id=souk.merchant_id, identity="h", room="live-1", role="host"))
        r = await http.post(f"/v1/live/{ROOM}/show", json={}, headers=other_host)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"
        viewer = bearer(mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience"))
        r = await http.get(f"/v1/live/{ROOM}/show", headers=viewer)
        assert r.status_code == 200 and r.json()["status"] == "idle" and "hands" not in r.json()
        calls: list[tuple[str, dict[str, object]]] = [("stage/hand", {"note": "me!"}),
                                                      ("stage/accept", {"consent_recording": True})]
        for path, body in calls:
            r = await http.post(f"/v1/live/{ROOM}/{path}", json=body, headers=viewer)
            assert r.status_code == 409 and r.json()["error"]["code"] == "show_not_live", path
        # no media plane in this app: going live is refused clearly (the DB room is there for a retry)
        host = bearer(mint(merchant_id=souk.merchant_id, identity="hana", room=ROOM, role="host"))
        r = await http.post(f"/v1/live/{ROOM}/show", json={"title": "Lamps"}, headers=host)
        assert r.status_code == 503 and r.json()["error"]["code"] == "media_unavailable"
        room = await souk.ctx.storage.rooms.get(souk.merchant_id, ROOM)
        assert room.kind.value == "live" and room.is_open
        consult = await souk.ctx.storage.rooms.create(souk.merchant_id, "consult")
        r = await http.post(f"/v1/live/{consult.id}/show", json={}, headers=bearer(
            mint(merchant_id=souk.merchant_id, identity="hana", room=consult.id, role="host")))
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_live_room"


async def test_demo_host_token(souk_stage: Souk) -> None:
    async with httpx.AsyncClient(base_url=souk_stage.base_url) as http:
        r = await http.post("/v1/demo/tokens", json={"as": "host"})
    body = r.json()
    assert r.status_code == 200 and body["identity"] == "host-demo" and body["role"] == "host"
    assert body["room"] == "live-demo"
    claims = souk_stage.ctx.tokens.verify(body["token"])
    assert claims.role.value == "host" and claims.room == "live-demo"
