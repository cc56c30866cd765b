"""Group calls over REST against a real Souk (SQLite, no media plane): who may ask what, and the errors each
route documents: a member's view, a screen-share token (publish only, this room, no longer than the asker's),
host controls refused to members and to a host token without the moderate privilege, a room of another kind,
ending the call (the room is closed: views and joins after it are refused), the call page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.auth.tokens import Privilege, Role
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

FEATURES = (*CORE_FEATURES, "souk.api.routes.group_calls")
ROOM = "family"


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        async with httpx.AsyncClient(base_url=s.base_url, headers=bearer(s.api_key)) as key:
            for kind, room in (("group", ROOM), ("live", "show")):
                assert (await key.post("/v1/rooms", json={"kind": kind, "room_id": room})).status_code == 201
        yield s


def token(souk: Souk, identity: str, role: Role, room: str = ROOM, **kw: Any) -> str:
    return souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=room, role=role, **kw)


async def call(souk: Souk, tok: str, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=souk.base_url, headers=bearer(tok)) as c:
        return await c.request(method, path, json=body)


def code(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


async def test_member_view_and_screen_token(souk: Souk) -> None:
    bob = token(souk, "bob", Role.MEMBER, name="Bob", ttl_s=600)
    r = await call(souk, bob, "GET", f"/v1/group-calls/{ROOM}")
    assert r.status_code == 200 and r.json() == {"room": ROOM, "participants": [], "max_on_camera": 9,
                                                 "on_camera": 0, "hands": []}
    r = await call(souk, bob, "POST", f"/v1/group-calls/{ROOM}/screen-token")
    assert r.status_code == 200, r.text
    grant = r.json()
    claims = souk.ctx.tokens.verify(grant["token"])
    assert claims.identity == grant["identity"] == "bob~screen" and claims.room == ROOM
    assert claims.privileges == frozenset({Privilege.PUBLISH}) and claims.name == "Bob (screen)"
    assert 0 < grant["expires_in"] <= 600
    assert code(await call(souk, grant["token"], "POST", f"/v1/group-calls/{ROOM}/screen-token")) == (
        409, "screen_of_screen")
    viewer = token(souk, "vic", Role.AUDIENCE)  # may not publish
    assert code(await call(souk, viewer, "POST", f"/v1/group-calls/{ROOM}/screen-token")) == (
        403, "privilege_missing")
    other_room = token(souk, "bob", Role.MEMBER, room="show")
    assert code(await call(souk, other_room, "GET", f"/v1/group-calls/{ROOM}")) == (403, "wrong_room")
    assert code(await call(souk, other_room, "GET", "/v1/group-calls/show")) == (409, "not_group_call")
    assert code(await call(souk, bob, "GET", "/v1/group-calls/nowhere")) == (403, "wrong_room")
    anywhere = token(souk, "staff", Role.AGENT, room="*")
    assert code(await call(souk, anywhere, "GET", "/v1/group-calls/nowhere")) == (404, "room_not_found")


async def test_host_controls_need_the_host(souk: Souk) -> None:
    member = token(souk, "bob", Role.MEMBER)
    weak_host = token(souk, "ann", Role.HOST, privileges=["publish", "subscribe"])
    host = token(souk, "ann", Role.HOST)
    who = {"identity": "cara"}
    for path, body in (("mute", {**who, "kind": "audio"}), ("lower-hand", who), ("remove", who), ("end", None)):
        assert code(await call(souk, member, "POST", f"/v1/group-calls/{ROOM}/{path}", body)) == (403, "not_host")
        assert code(await call(souk, weak_host, "POST", f"/v1/group-calls/{ROOM}/{path}", body)) == (
            403, "privilege_missing")
    for path, body in (("mute", {**who, "kind": "video"}), ("lower-hand", who), ("remove", who)):
        assert code(await call(souk, host, "POST", f"/v1/group-calls/{ROOM}/{path}", body)) == (404, "not_in_call")
    assert code(await call(souk, host, "POST", f"/v1/group-calls/{ROOM}/remove", {"identity": "ann"})) == (
        409, "remove_self")
    r = await call(souk, host, "POST", f"/v1/group-calls/{ROOM}/end")
    assert r.status_code == 200 and r.json() == {"room": ROOM, "status": "closed"}
    assert code(await call(souk, member, "GET", f"/v1/group-calls/{ROOM}")) == (409, "call_ended")
    assert code(await call(souk, host, "POST", f"/v1/group-calls/{ROOM}/end")) == (409, "call_ended")


async def test_the_call_page(souk: Souk) -> None:
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        page = await c.get(f"/call/{ROOM}")
        assert page.status_code == 200 and 'data-room="family"' in page.text and "group-call.js" in page.text
        assert (await c.get("/call/lobby")).status_code == 400
