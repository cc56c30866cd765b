"""Cases for live captions (docs/translation.md "Live captions"): A's viewers asked for Arabic captions in A's
live-demo and A's recorded show has a stored caption; B's host, viewers and the replay route see only B's."""

from __future__ import annotations

from souk.domain.captions import StoredCaption
from souk.storage.repos.captions import SqlCaptionRepo
from tests.integration.tenancy.tenancy_app import LIVE, MARK, VOICE, A, B, Tenancy
from tests.integration.tenancy.tenancy_registry import Then, b_host, b_viewer, clean, covers, not_found


async def _a_captions(t: Tenancy) -> Then:
    svc = t.ctx.captions
    assert svc is not None
    svc.choose_language(A, LIVE, f"{MARK}-viewer", "ar")
    await SqlCaptionRepo(t.ctx.storage.db, t.ctx.storage.clock).put(A, StoredCaption(
        show_id="s1", seq=0, room_id=LIVE, speaker="host-1", lang="en", start_ms=1000, end_ms=2500,
        text=f"{MARK} welcome to the show", translations={"es": f"{MARK} bienvenidos"}))

    async def then() -> None:
        assert svc.state(A, LIVE)["languages"] == ["ar"]  # nothing B did reached A's room
        assert [i["source_text"] for i in await svc.replay(A, "s1")] == [f"{MARK} welcome to the show"]

    return then


@covers("POST", "/v1/live/{room}/captions")
async def captions_switch(t: Tenancy) -> Then:
    then = await _a_captions(t)
    async with t.http(b_host(t)) as c:
        state = clean(t, await c.post(f"/v1/live/{LIVE}/captions", json={"enabled": False}))
    assert state["enabled"] is False and state["languages"] == [], state  # B's room: no Arabic reader
    async with t.http(b_viewer(t)) as c:  # a viewer may not switch them
        r = await c.post(f"/v1/live/{LIVE}/captions", json={"enabled": True})
        assert clean(t, r, 403)["error"]["code"] == "not_host"
    return then


@covers("GET", "/v1/live/{room}/captions")
async def captions_state(t: Tenancy) -> Then:
    then = await _a_captions(t)
    async with t.http(b_viewer(t)) as c:
        state = clean(t, await c.get(f"/v1/live/{LIVE}/captions"))
    assert state == {"enabled": False, "show_id": None, "source_lang": None, "languages": [], "speakers": 0}
    return then


@covers("POST", "/v1/live/{room}/captions/language")
async def captions_language(t: Tenancy) -> Then:
    then = await _a_captions(t)
    async with t.http(b_viewer(t, f"{MARK}-viewer")) as c:  # the same identity as A's viewer, at B
        body = clean(t, await c.post(f"/v1/live/{LIVE}/captions/language", json={"lang": "es"}))
        assert body["lang"] == "es"
        assert clean(t, await c.get(f"/v1/live/{LIVE}/captions"))["languages"] == ["es"]
    svc = t.ctx.captions
    assert svc is not None and svc.state(B, LIVE)["languages"] == ["es"]
    return then


@covers("GET", "/v1/replays/{recording_id}/captions")
async def replay_captions(t: Tenancy) -> Then:
    then = await _a_captions(t)
    for cred in (b_viewer(t), b_host(t)):
        async with t.http(cred) as c:
            not_found(t, await c.get(f"/v1/replays/{t.ids['recording_id']}/captions", params={"lang": "es"}))
    svc = t.ctx.captions
    assert svc is not None and await svc.replay(B, "s1") == []
    return then


@covers("POST", "/v1/voice-rooms/{room_id}/captions")
async def voice_captions_switch(t: Tenancy) -> Then:
    svc = t.ctx.captions
    assert svc is not None
    svc.choose_language(A, VOICE, f"{MARK}-listener", "ar")
    async with t.http(t.token(B, "host-1", VOICE, "host")) as c:
        state = clean(t, await c.post(f"/v1/voice-rooms/{VOICE}/captions", json={"enabled": False}))
    assert state["enabled"] is False and state["languages"] == [], state
    async with t.http(t.token(B, "listener-1", VOICE, "audience")) as c:
        r = await c.post(f"/v1/voice-rooms/{VOICE}/captions", json={"enabled": True})
        assert clean(t, r, 403)["error"]["code"] == "not_host"

    async def then() -> None:
        assert svc.state(A, VOICE)["languages"] == ["ar"]

    return then


@covers("GET", "/v1/voice-rooms/{room_id}/captions")
async def voice_captions_state(t: Tenancy) -> Then:
    svc = t.ctx.captions
    assert svc is not None
    svc.choose_language(A, VOICE, f"{MARK}-listener", "ar")
    async with t.http(t.token(B, "listener-1", VOICE, "audience")) as c:
        state = clean(t, await c.get(f"/v1/voice-rooms/{VOICE}/captions"))
    assert state["enabled"] is False and state["languages"] == [], state

    async def then() -> None:
        assert svc.state(A, VOICE)["languages"] == ["ar"]

    return then
