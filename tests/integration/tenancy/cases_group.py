"""Cases for group video calls over REST (souk.api.routes.group_calls): merchant B's tokens naming A's room id.

A's room ``A_ONLY_ROOM`` is only A's: every group-call route answers B ``room_not_found`` (404, never 403) and
names nothing of A's, whether B asks as the host or as a participant; B's host controls never reach A's members.
"""

from __future__ import annotations

from tests.integration.tenancy.cases_access import STOREFRONT, _public_get
from tests.integration.tenancy.tenancy_app import A_ONLY_ROOM, B, Tenancy
from tests.integration.tenancy.tenancy_registry import b_host, covers, not_found

BASE = f"/v1/group-calls/{A_ONLY_ROOM}"


@covers("GET", "/v1/group-calls/{room}")
async def group_call_get(t: Tenancy) -> None:
    for role in ("host", "member"):
        async with t.http(t.token(B, "host-1", A_ONLY_ROOM, role)) as c:
            not_found(t, await c.get(BASE), "room_not_found")


@covers("POST", "/v1/group-calls/{room}/screen-token")
async def group_call_screen_token(t: Tenancy) -> None:
    async with t.http(t.token(B, "host-1", A_ONLY_ROOM, "member")) as c:
        not_found(t, await c.post(f"{BASE}/screen-token"), "room_not_found")


@covers("POST", "/v1/group-calls/{room}/mute")
async def group_call_mute(t: Tenancy) -> None:
    async with t.http(b_host(t, A_ONLY_ROOM)) as c:
        not_found(t, await c.post(f"{BASE}/mute", json={"identity": "host-1", "kind": "audio"}), "room_not_found")


@covers("POST", "/v1/group-calls/{room}/lower-hand")
async def group_call_lower_hand(t: Tenancy) -> None:
    async with t.http(b_host(t, A_ONLY_ROOM)) as c:
        not_found(t, await c.post(f"{BASE}/lower-hand", json={"identity": "host-1"}), "room_not_found")


@covers("POST", "/v1/group-calls/{room}/remove")
async def group_call_remove(t: Tenancy) -> None:
    async with t.http(b_host(t, A_ONLY_ROOM)) as c:
        not_found(t, await c.post(f"{BASE}/remove", json={"identity": "viewer-1"}), "room_not_found")


@covers("POST", "/v1/group-calls/{room}/end")
async def group_call_end(t: Tenancy) -> None:
    async with t.http(b_host(t, A_ONLY_ROOM)) as c:
        not_found(t, await c.post(f"{BASE}/end"), "room_not_found")


@covers("GET", "/call/{room}", public=STOREFRONT)
async def group_call_page(t: Tenancy) -> None:
    await _public_get(t, f"/call/{A_ONLY_ROOM}?m=acme")  # the page holds no state: B's store name only
