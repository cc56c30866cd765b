"""Hostile clients against a real Souk (uvicorn, real sockets): deep and malformed JSON, tokens that expire
or are revoked (REST API and the `souk token revoke` command) while their sockets are open, an expired token
on the RTM socket, and clients that never read on every socket kind of the API port."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import websockets

from souk.auth.tokens import TokenService
from souk.bench.rawws import connect, flood, rss_mb
from tests.fixtures.browser import CORE_FEATURES, Souk, running_souk
from tests.fixtures.wsframes import frames_until_closed

RTM = (*CORE_FEATURES, "souk.api.routes.rtm")


@pytest.fixture
async def souk_rtm(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=RTM) as s:
        yield s


def mint(s: Souk, who: str, room: str = "lobby", role: str = "member", ttl_s: int | None = None) -> str:
    return s.ctx.tokens.mint(merchant_id=s.merchant_id, identity=who, room=room, role=role, ttl_s=ttl_s)


def ws_url(s: Souk, path: str, token: str) -> str:
    return s.base_url.replace("http://", "ws://") + f"{path}?token={token}"


# ---------------------------------------------------------------- malformed and deeply nested input

DEEP = ["[" * 2048, "[" * 970 + "]" * 970, '{"type":"ping","id":"x","extra":' + "[" * 1500 + "]" * 1500 + "}"]


async def test_signaling_answers_deep_and_malformed_json_and_stays_up(souk: Souk) -> None:
    async with websockets.connect(ws_url(souk, "/v1/signal", mint(souk, "shopper-1"))) as ws:
        assert json.loads(await ws.recv())["type"] == "welcome"
        for bad in [*DEEP, "{nope", b"\xff\xfe"]:
            await ws.send(bad)
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert reply["type"] == "error" and reply["code"] == "malformed", reply
        await ws.send(json.dumps({"type": "ping", "id": "p1"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong", "id": "p1"}


async def test_rtm_answers_deep_and_malformed_json_and_stays_up(souk_rtm: Souk, caplog: pytest.LogCaptureFixture) -> None:
    token = mint(souk_rtm, "viewer-1", room="live1", role="audience")
    async with websockets.connect(ws_url(souk_rtm, "/v1/rtm/ws", token)) as ws:
        assert json.loads(await ws.recv())["t"] == "hello"
        for bad in DEEP[:2]:  # (nine bad frames in a row close it: keep under that)
            await ws.send(bad)
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert reply["t"] == "err" and reply["code"] == "malformed_frame", reply
        await ws.send(json.dumps({"t": "ping", "id": "p1"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["t"] == "pong"
    assert not [r for r in caplog.records if r.exc_info]  # no traceback per frame


# ---------------------------------------------------------------- token expiry and revocation


async def test_rtm_refuses_an_expired_token_with_the_close_code_not_http_403(souk_rtm: Souk) -> None:
    expired = TokenService(souk_rtm.settings.auth.token_secret.get_secret_value() or
                           (souk_rtm.settings.data_path / "token_secret").read_text().strip(),
                           now=lambda: time.time() - 7200).mint(merchant_id=souk_rtm.merchant_id, identity="v",
                                                               room="live1", role="audience", ttl_s=60)
    async with websockets.connect(ws_url(souk_rtm, "/v1/rtm/ws", expired)) as ws:
        frames, code = await frames_until_closed(ws)
    assert code == 4401 and frames[0]["t"] == "err" and frames[0]["code"] == "token_expired"


@pytest.mark.parametrize("path", ["/v1/signal", "/v1/rtm/ws"])
async def test_open_sockets_close_when_their_token_expires(souk_rtm: Souk, path: str) -> None:
    room, role = ("lobby", "member") if path == "/v1/signal" else ("live1", "audience")
    started = time.monotonic()
    async with websockets.connect(ws_url(souk_rtm, path, mint(souk_rtm, "short", room, role, ttl_s=2))) as ws:
        frames, code = await frames_until_closed(ws)
    assert code == 4401
    err = [f for f in frames if f.get("code") == "token_expired"]
    assert err and 0.9 < time.monotonic() - started < 6  # exp is whole seconds: 1-2 s after minting


@pytest.mark.parametrize("path", ["/v1/signal", "/v1/rtm/ws"])
async def test_revoking_over_rest_closes_open_sockets_and_refuses_the_token(souk_rtm: Souk, path: str) -> None:
    room, role = ("lobby", "member") if path == "/v1/signal" else ("live1", "audience")
    key = {"Authorization": f"Bearer {souk_rtm.api_key}"}
    async with httpx.AsyncClient(base_url=souk_rtm.base_url) as http:
        minted = (await http.post("/v1/tokens", headers=key,
                                  json={"identity": "v1", "room": room, "role": role})).json()
        token, jti = minted["token"], minted["jti"]
        async with websockets.connect(ws_url(souk_rtm, path, token)) as ws:
            await ws.recv()  # welcome / hello
            r = await http.post("/v1/tokens/revoke", headers=key, json={"jti": jti})
            assert r.status_code == 200 and r.json()["revoked"] is True
            frames, code = await frames_until_closed(ws)
        assert code == 4403 and any(f.get("code") == "token_revoked" for f in frames)
        again = await http.post("/v1/tokens/revoke", headers=key, json={"token": token})
        assert again.status_code == 200 and again.json()["revoked"] is False
        r = await http.get("/v1/consults", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "token_revoked"
        async with websockets.connect(ws_url(souk_rtm, path, token)) as ws:
            frames, code = await frames_until_closed(ws)
        assert code == 4403 and frames[0]["code"] == "token_revoked"


async def test_a_merchant_revokes_only_its_own_tokens(souk: Souk) -> None:
    key = {"Authorization": f"Bearer {souk.api_key}"}
    theirs = souk.ctx.tokens.mint(merchant_id="another-shop", identity="v", room="lobby", role="member")
    their_jti = souk.ctx.tokens.verify(theirs).token_id
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        for body in ({"jti": their_jti}, {"token": theirs}, {"jti": "tok_made_up.0123456789abcdef"},
                     {"token": "not-a-token"}):
            r = await http.post("/v1/tokens/revoke", headers=key, json=body)
            assert r.status_code == 404 and r.json()["error"]["code"] == "token_not_found", body
        r = await http.post("/v1/tokens/revoke", headers=key, json={})
        assert r.status_code == 400 and r.json()["error"]["code"] == "revoke_what"
        r = await http.post("/v1/tokens/revoke", json={"jti": their_jti})
        assert r.status_code == 401
    souk.ctx.tokens.verify(theirs)  # still good


async def test_souk_token_revoke_reaches_the_running_servers_sockets(souk: Souk, monkeypatch: pytest.MonkeyPatch) -> None:
    from souk.cli.main import main

    token = mint(souk, "shopper-9")
    monkeypatch.setenv("SOUK_DATA_DIR", str(souk.settings.data_path))
    async with websockets.connect(ws_url(souk, "/v1/signal", token)) as ws:
        await ws.recv()
        started = time.monotonic()
        assert await asyncio.to_thread(main, ["token", "revoke", "--token", token]) == 0
        frames, code = await frames_until_closed(ws)
    assert code == 4403 and any(f.get("code") == "token_revoked" for f in frames)
    assert time.monotonic() - started < souk.settings.limits.revocation_poll_s + 3


# ---------------------------------------------------------------- clients that never read

PINGS = {  # a long id makes each pong big: the server's kernel buffers fill after fewer of them
    "/v1/signal": b'{"type":"ping","id":"' + b"p" * 60 + b'"}',
    "/v1/rtm/ws": b'{"t":"ping","id":"' + b"p" * 4000 + b'"}',
}


@pytest.mark.parametrize("path", sorted(PINGS))
async def test_a_client_that_never_reads_is_cut_off_and_its_memory_freed(souk_rtm: Souk, path: str) -> None:
    """The server ends the connection's session (its writer task and outbox go) while the client still floods
    it with pings; the process's memory stays within a few MB of where it was."""
    room, role = ("lobby", "member") if path == "/v1/signal" else ("live1", "audience")
    port = int(souk_rtm.base_url.rsplit(":", 1)[1])
    before = rss_mb()
    sock = await asyncio.to_thread(connect, "127.0.0.1", port, f"{path}?token={mint(souk_rtm, 'slow', room, role)}")

    def serving() -> list[str]:
        return [t.get_name() for t in asyncio.all_tasks() if t.get_name().endswith("writer:slow")]

    for _ in range(50):
        if serving():
            break
        await asyncio.sleep(0.05)
    assert serving(), "the slow client was never served"
    stop = threading.Event()
    flooding = asyncio.ensure_future(asyncio.to_thread(flood, sock, PINGS[path], seconds=90, stop=stop))
    try:
        started = time.monotonic()
        while serving() and time.monotonic() - started < 60:
            await asyncio.sleep(0.2)
        cut_after = time.monotonic() - started
    finally:
        stop.set()
        result = await flooding
    assert not serving(), f"still served after {result.sent} unread pings"
    grown = rss_mb() - before
    assert grown < 64, f"server memory grew {grown:.0f} MB for {result.sent} unread pings (cut after {cut_after:.1f} s)"
