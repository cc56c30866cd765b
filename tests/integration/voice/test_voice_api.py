"""Voice rooms over REST in a real app without a media plane: who may do what, the seat flow, the room's RTM
announcements, and 64 concurrent seat requests over HTTP resolving consistently."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "voice-7"
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.voice_rooms")


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


def token(souk: Souk, identity: str, role: str, room: str = ROOM, **kw: Any) -> dict[str, str]:
    return bearer(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=room, role=role,
                                       name=identity.title(), **kw))


async def announced(souk: Souk, room: str = ROOM) -> list[dict[str, Any]]:
    """The seat and talking messages on the room's RTM channel, in order (after the pacing let them out)."""
    assert souk.ctx.rtm is not None
    await asyncio.sleep(0.6)
    raw = await souk.ctx.rtm.service.broker.history(f"{souk.merchant_id}/{room}", since=None, limit=1000)
    out = []
    for _, data in raw:
        env = json.loads(data)
        body = env.get("b") or env.get("body")
        if isinstance(body, dict) and body.get("type") in {"seats", "talking"}:
            out.append(body)
    return out


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    return r.json()


def refused(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status and r.json()["error"]["code"] == code, (status, code, r.text)


async def test_host_opens_listener_raises_hand_is_invited_and_seated(souk: Souk) -> None:
    host, ann, bob = token(souk, "hana", "host"), token(souk, "ann", "audience"), token(souk, "bob", "audience")
    guest = token(souk, "guest-1", "guest")
    act = f"/v1/voice-rooms/{ROOM}/actions"
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        refused(await http.post(f"/v1/voice-rooms/{ROOM}/open", json={}, headers=ann), 403, "not_host")
        refused(await http.post(f"/v1/voice-rooms/{ROOM}/open", json={}, headers=token(souk, "h", "host", "x")),
                403, "wrong_room")
        room = ok(await http.post(f"/v1/voice-rooms/{ROOM}/open", json={"title": "Tea Q&A", "seats": 16},
                                  headers=host), 201)
        assert (room["host"], len(room["seats"]), room["live"], room["version"]) == ("hana", 16, True, 0)
        refused(await http.post(f"/v1/voice-rooms/{ROOM}/open", json={}, headers=host), 409, "room_exists")
        assert ok(await http.get(f"/v1/voice-rooms/{ROOM}", headers=bob))["title"] == "Tea Q&A"
        refused(await http.get(f"/v1/voice-rooms/{ROOM}", headers=token(souk, "bob", "audience", "other")),
                403, "wrong_room")
        refused(await http.post(act, json={"op": "take", "seat": 1}, headers=ann), 403, "invite_only")
        refused(await http.post(act, json={"op": "raise_hand"}, headers=guest), 403, "listener_only")
        assert ok(await http.post(act, json={"op": "raise_hand"}, headers=ann))["hands"][0]["identity"] == "ann"
        refused(await http.post(act, json={"op": "invite", "identity": "ann"}, headers=bob), 403, "not_host")
        # a host token minted without the moderate privilege is not the host side
        weak = token(souk, "hana", "host", privileges=["publish", "subscribe", "chat"])
        refused(await http.post(act, json={"op": "invite", "identity": "ann"}, headers=weak), 403, "not_host")
        ok(await http.post(act, json={"op": "invite", "identity": "ann", "seat": 2}, headers=host))
        seated = ok(await http.post(act, json={"op": "answer", "accept": True}, headers=ann))
        assert seated["seats"][2]["identity"] == "ann" and seated["hands"] == []
        refused(await http.post(act, json={"op": "take", "seat": 2}, headers=host), 409, "seat_taken")
        refused(await http.post(act, json={"op": "take", "seat": 20}, headers=host), 409, "no_such_seat")
        refused(await http.post(act, json={"op": "lock", "seat": 3}, headers=ann), 403, "not_host")
        ok(await http.post(act, json={"op": "lock", "seat": 3}, headers=host))
        muted = ok(await http.post(act, json={"op": "mute", "muted": True, "identity": "ann"}, headers=host))
        assert muted["seats"][2]["host_muted"]
        refused(await http.post(act, json={"op": "kick", "identity": "ann"}, headers=ann), 403, "not_host")
        moved = ok(await http.post(act, json={"op": "move", "to": 3, "identity": "ann"}, headers=host))
        assert moved["seats"][3]["identity"] == "ann" and moved["seats"][3]["locked"]
        kicked = ok(await http.post(act, json={"op": "kick", "identity": "ann"}, headers=host))
        assert all(s["identity"] is None for s in kicked["seats"])
        r = await http.post(act, json={"op": "fly"}, headers=host)
        assert r.status_code == 422
        refused(await http.post(f"/v1/voice-rooms/{ROOM}/end", headers=bob), 403, "not_host")
        ended = ok(await http.post(f"/v1/voice-rooms/{ROOM}/end", headers=host))
        assert not ended["live"]
        refused(await http.post(act, json={"op": "raise_hand"}, headers=bob), 409, "room_ended")
        refused(await http.get("/v1/voice-rooms/nope", headers=bearer(souk.api_key)), 404, "voice_room_not_found")
        listed = ok(await http.get("/v1/voice-rooms?live=false", headers=bearer(souk.api_key)))
        assert [x["room"] for x in listed] == [ROOM]
    kinds = [e["kind"] for b in await announced(souk) for e in b["events"]]
    assert kinds == ["room_opened", "hand_raised", "invited", "seat_taken", "seat_locked", "seat_muted",
                     "seat_moved", "seat_kicked", "room_ended"]


async def test_64_concurrent_http_takes_seat_exactly_16(souk: Souk) -> None:
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=60) as http:
        ok(await http.post("/v1/voice-rooms", json={"room_id": ROOM, "host_identity": "hana", "seats": 16,
                                                    "free_seating": True}, headers=bearer(souk.api_key)), 201)

        async def take(i: int) -> httpx.Response:
            return await http.post(f"/v1/voice-rooms/{ROOM}/actions", json={"op": "take"},
                                   headers=token(souk, f"l{i}", "audience"))

        answers = await asyncio.gather(*(take(i) for i in range(64)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * 16 + [409] * 48, codes
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"seats_full"}
    room = await souk.ctx.storage.voice_rooms.get(souk.merchant_id, ROOM)
    assert len(room.seats.speakers) == 16 and room.seats.version == 16
    seats = [b for b in await announced(souk) if b["type"] == "seats"]
    assert seats[0]["version"] == 0 and seats[-1]["version"] == 16 and len(seats) < 10  # paced, newest last
    taken = sorted(e["identity"] for b in seats for e in b["events"] if e["kind"] == "seat_taken")
    assert taken == sorted(room.seats.speakers)  # every change announced once


async def test_a_recorded_room_asks_for_consent_before_a_seat(tmp_path: Path) -> None:
    """docs/privacy.md "Consent": the banner's yes goes with the seat request (stored, channel voice_room), a
    seat without a standing yes is 409 consent_required, a withdrawal while seated moves the speaker back."""
    features = (*FEATURES, "souk.api.routes.consent")
    async with running_souk(tmp_path / "souk", features=features) as souk:
        host, ann = token(souk, "hana", "host"), token(souk, "ann", "audience")
        act = f"/v1/voice-rooms/{ROOM}/actions"
        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            ok(await http.post(f"/v1/voice-rooms/{ROOM}/open", json={"seats": 4, "free_seating": True,
                                                                      "record": True}, headers=host), 201)
            refused(await http.post(act, json={"op": "take"}, headers=ann), 409, "consent_required")
            refused(await http.post(act, json={"op": "take", "consent_recording": False}, headers=ann),
                    409, "consent_required")
            refused(await http.post(act, json={"op": "take", "consent_recording": True, "language": "es",
                                               "text_version": "nope"}, headers=ann), 404, "unknown_text_version")
            seated = ok(await http.post(act, json={"op": "take", "consent_recording": True, "language": "es"},
                                        headers=ann))
            assert any(s["identity"] == "ann" for s in seated["seats"])
            mine = ok(await http.get("/v1/consent", headers=ann))["consents"]["recording"]
            assert mine["state"] == "granted" and mine["record"]["channel"] == "voice_room"
            ok(await http.delete("/v1/consent/recording?language=es&channel=voice_room", headers=ann))
            room = ok(await http.get(f"/v1/voice-rooms/{ROOM}", headers=ann))
            assert all(s["identity"] != "ann" for s in room["seats"])  # back to listening, before the answer
            refused(await http.post(act, json={"op": "take"}, headers=ann), 409, "consent_required")
