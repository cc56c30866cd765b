"""Cases for voice rooms (souk.api.routes.voice_rooms): B's credentials at A's voice room id.

A has the voice room VOICE (its host seated, a listener's hand up; tenancy_app.populate). B's requests with
that id reach B's own voice room or none: 404 voice_room_not_found, or an answer about B's room, never A's.
"""

from __future__ import annotations

from tests.integration.tenancy.tenancy_app import VOICE, B, Tenancy
from tests.integration.tenancy.tenancy_registry import b_key, b_staff, clean, covers, not_found


def b_voice(t: Tenancy, identity: str, role: str) -> str:
    return t.token(B, identity, VOICE, role)


@covers("GET", "/v1/voice-rooms/{room_id}")
async def voice_get(t: Tenancy) -> None:
    for cred in (b_voice(t, "viewer-1", "audience"), b_voice(t, "host-1", "host"), b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            r = await c.get(f"/v1/voice-rooms/{VOICE}")
            if r.status_code == 404:
                not_found(t, r, "voice_room_not_found")
            else:
                assert clean(t, r)["host"] != "host-1" or "a-secret" not in r.text


@covers("POST", "/v1/voice-rooms/{room_id}/actions")
async def voice_act(t: Tenancy) -> None:
    async with t.http(b_voice(t, "viewer-1", "audience")) as c:
        for body in ({"op": "raise_hand"}, {"op": "leave"}, {"op": "take", "seat": 0}):
            not_found(t, await c.post(f"/v1/voice-rooms/{VOICE}/actions", json=body), "voice_room_not_found")
    async with t.http(b_voice(t, "host-1", "host")) as c:
        for body in ({"op": "kick", "identity": "host-1"}, {"op": "lock", "seat": 1},
                     {"op": "mute", "muted": True, "identity": "host-1"}, {"op": "lower_hand", "identity": "viewer-1"}):
            not_found(t, await c.post(f"/v1/voice-rooms/{VOICE}/actions", json=body), "voice_room_not_found")


@covers("POST", "/v1/voice-rooms/{room_id}/end")
async def voice_end(t: Tenancy) -> None:
    for cred in (b_voice(t, "host-1", "host"), b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            not_found(t, await c.post(f"/v1/voice-rooms/{VOICE}/end"), "voice_room_not_found")


@covers("GET", "/v1/voice-rooms")
async def voice_list(t: Tenancy) -> None:
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            assert all(room["room"] != VOICE for room in clean(t, await c.get("/v1/voice-rooms?live=false")))


@covers("POST", "/v1/voice-rooms/{room_id}/open")
async def voice_open(t: Tenancy) -> None:
    """B's host opens B's own voice room with A's id, acts in it and ends it: A's room is untouched."""
    async with t.http(b_voice(t, "host-1", "host")) as c:
        room = clean(t, await c.post(f"/v1/voice-rooms/{VOICE}/open", json={"seats": 2}), 201)
        assert room["hands"] == [] and room["seats"][0]["identity"] is None
        clean(t, await c.post(f"/v1/voice-rooms/{VOICE}/actions", json={"op": "take", "seat": 0}))
        clean(t, await c.post(f"/v1/voice-rooms/{VOICE}/end"))


@covers("POST", "/v1/voice-rooms")
async def voice_create(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        r = await c.post("/v1/voice-rooms", json={"room_id": VOICE, "host_identity": "host-1"})
        if r.status_code == 409:  # B's own room of that id (voice_open ran first)
            assert clean(t, r, 409)["error"]["code"] == "room_exists"
        else:
            room = clean(t, r, 201)
            assert room["hands"] == []
            clean(t, await c.post(f"/v1/voice-rooms/{VOICE}/end"))


PAGE = "the voice room page shell of merchant ?m= (no state of a room: it is fetched with the token)"


@covers("GET", "/voice/{room}", public=PAGE)
async def voice_page(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get(f"/voice/{VOICE}?m={B}"))
    assert 'data-view="room"' in body


HOST_PAGE = ("the voice room host view of merchant ?m=: the page shell and that merchant's public catalog to pin "
             "(no state of a room: pins and offers are fetched with the host token)")


@covers("GET", "/voice/{room}/host", public=HOST_PAGE)
async def voice_host_page(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get(f"/voice/{VOICE}/host?m={B}"))
    assert 'data-view="host"' in body
    assert 'id="products"' in body
