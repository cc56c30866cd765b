"""Cases for call quality (docs/quality.md): merchant B's tokens cannot report into A's rooms or records, and B's
API key and staff read none of A's records, rooms or sales figures (404 for A's room, empty figures)."""

from __future__ import annotations

from typing import Any

from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, A_ONLY_ROOM, LIVE, A, B, Tenancy
from tests.integration.tenancy.tenancy_registry import b_key, b_staff, b_viewer, clean, covers, not_found

A_SESSION = "a-secret-join-1"  # A's join session id: B must never see it
B_SESSION = "b-join-0001"


def _report(room: str, session: str = A_SESSION, seq: int = 0) -> dict[str, Any]:
    zone = "America/Mexico_City" if session == A_SESSION else "Africa/Cairo"  # A's region is America, B's Africa
    return {"session": session, "room": room, "seq": seq, "elapsed_ms": 4000, "first_frame_ms": 700,
            "timezone": zone, "rtt_ms": 90,
            "video": {"packets_received": 100, "video_ms": 3000, "total_freezes_duration_ms": 0}}


async def _a_records(t: Tenancy) -> list[Any]:
    """A's records (made once through A's own tokens): a live viewer and the private consult's shopper."""
    if "quality" not in t.ids:
        for room, identity, role in ((LIVE, "viewer-1", "audience"), (A_ONLY_ROOM, A_ONLY_CUSTOMER, "member")):
            async with t.http(t.token(A, identity, room, role)) as c:
                clean(t, await c.post("/v1/quality/reports", json=_report(room)), 202)
        t.ids["quality"] = "made"
        t.a["quality_session"] = A_SESSION
    return [await t.ctx.storage.quality.get(A, LIVE, "viewer-1", A_SESSION),
            await t.ctx.storage.quality.get(A, A_ONLY_ROOM, A_ONLY_CUSTOMER, A_SESSION)]


@covers("POST", "/v1/quality/reports")
async def quality_report(t: Tenancy) -> None:
    before = await _a_records(t)
    # B's viewer of B's own live-demo, with A's viewer identity: B's own record
    async with t.http(b_viewer(t, "viewer-1")) as c:
        clean(t, await c.post("/v1/quality/reports", json=_report(LIVE, session=B_SESSION)), 202)
        r = await c.post("/v1/quality/reports", json=_report(A_ONLY_ROOM, session=B_SESSION))
        assert clean(t, r, 403)["error"]["code"] == "wrong_room"
    # B's staff and a B token naming A's private room: B has no such room
    for bearer in (b_staff(t), t.token(B, A_ONLY_CUSTOMER, A_ONLY_ROOM, "member")):
        async with t.http(bearer) as c:
            not_found(t, await c.post("/v1/quality/reports", json=_report(A_ONLY_ROOM, session=B_SESSION, seq=6)), "room_not_found")
    assert await _a_records(t) == before
    assert await t.ctx.storage.quality.get(B, LIVE, "viewer-1", B_SESSION) is not None


@covers("GET", "/v1/quality/dashboard")
async def quality_dashboard(t: Tenancy) -> None:
    await _a_records(t)
    for bearer in (b_key(t), b_staff(t)):
        async with t.http(bearer) as c:
            body = clean(t, await c.get("/v1/quality/dashboard"))
            assert "America" not in body["by_region"], body["by_region"]
            assert all(row["room_id"] != A_ONLY_ROOM for row in body["rooms"])


@covers("GET", "/v1/quality/sales")
async def quality_sales(t: Tenancy) -> None:
    await _a_records(t)
    for bearer in (b_key(t), b_staff(t)):
        async with t.http(bearer) as c:
            body = clean(t, await c.get("/v1/quality/sales"))
            participants = sum(g["participants"] for kind in body["by_freezes"].values() for g in kind.values())
            assert participants <= 1, body  # at most B's own viewer


@covers("GET", "/v1/quality/rooms/{room}")
async def quality_room(t: Tenancy) -> None:
    await _a_records(t)
    for bearer in (b_key(t), b_staff(t)):
        async with t.http(bearer) as c:
            not_found(t, await c.get(f"/v1/quality/rooms/{A_ONLY_ROOM}"), "room_not_found")
            r = await c.get(f"/v1/quality/rooms/{LIVE}")
            if r.status_code == 200:  # B's own viewer, when the report case ran first
                assert [p["session"] for p in clean(t, r)["participants"]] == [B_SESSION]
            else:
                not_found(t, r, "room_not_found")


@covers("POST", "/v1/quality/janus-events")
async def quality_janus_events(t: Tenancy) -> None:
    """The node's Janus posts here with the node's events secret; no merchant credential is accepted."""
    before = await _a_records(t)
    event = {"type": 32, "session_id": 1, "handle_id": 1, "event": {"media": "audio", "lost": 99}}
    for bearer in (b_key(t), b_staff(t), b_viewer(t)):
        async with t.http(bearer) as c:
            r = await c.post("/v1/quality/janus-events", json=[event])
            assert clean(t, r, 401)["error"]["code"] == "events_auth_failed"
    assert await _a_records(t) == before


@covers("GET", "/ops", public="the ops page shell of merchant ?m= (its name only); every figure comes from the "
                              "staff quality API")
async def ops_page(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get("/ops?m=acme"))
    assert "Acme Goods" in body and 'src="/static/pages/ops.js"' in body
