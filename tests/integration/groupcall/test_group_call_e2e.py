"""A group video call in real headless Chromium through Janus (docs/group-calls.md): three people on the group
call page (the host, two members), each decoding the other two; one shares a screen, which everybody decodes
on the stage; the one who talks (a loud tone as microphone; the others' are silent) is shown as the active
speaker on every page, from Janus's talking events; a raised hand reaches the host; the host mutes the talker
at the media server, removes a member (their page says so; their token cannot rejoin) and ends the call for
everyone.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/integration/groupcall
"""

from __future__ import annotations

import asyncio
import math
import struct
import time
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from souk.auth.tokens import Role
from tests.fixtures.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CORE_FEATURES,
    Souk,
    bearer,
    media_souk,
    need_media,
)

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.slow]

FEATURES = (*CORE_FEATURES, "souk.api.routes.group_calls")
ROOM = "family"
SCREEN_ARGS = ["--auto-select-desktop-capture-source=Entire screen"]


def wav(path: Path, *, tone: bool, seconds: float = 4.0, rate: int = 48000) -> Path:
    """A mono 16-bit WAV: a 440 Hz tone at -12 dBFS (someone talking) or silence. Chromium loops it."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        value = int(0.25 * 32767 * math.sin(2 * math.pi * 440 * i / rate)) if tone else 0
        frames += struct.pack("<h", value)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


async def until(what: str, check: Callable[[], Awaitable[Any]], timeout: float = 30.0,
                show: Callable[[], Awaitable[Any]] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.3)
    seen = await show() if show is not None else last
    raise AssertionError(f"{what}: not within {timeout} s (last seen: {seen!r})")


async def decoded(page: Any) -> dict[str, int]:
    return dict(await page.evaluate("async () => window.groupCall.decoded ? await window.groupCall.decoded() : {}"))


async def speaker(page: Any) -> str:
    return str(await page.eval_on_selector("#active-speaker", "el => el.dataset.identity"))


@pytest.fixture
async def souk(tmp_path: Path) -> Any:
    need_media(browser=True)
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


async def test_three_people_a_screen_share_the_speaker_and_the_host(souk: Souk, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    async with httpx.AsyncClient(base_url=souk.base_url, timeout=30) as http:
        r = await http.post("/v1/rooms", json={"kind": "group", "room_id": ROOM}, headers=bearer(souk.api_key))
        assert r.status_code == 201, r.text
    mint = souk.ctx.tokens.mint
    tokens = {"ann": mint(merchant_id=souk.merchant_id, identity="ann", room=ROOM, role=Role.HOST, name="Ann"),
              "bob": mint(merchant_id=souk.merchant_id, identity="bob", room=ROOM, role=Role.MEMBER, name="Bob"),
              "cara": mint(merchant_id=souk.merchant_id, identity="cara", room=ROOM, role=Role.MEMBER, name="Cara")}
    loud, quiet = wav(tmp_path / "talk.wav", tone=True), wav(tmp_path / "quiet.wav", tone=False)
    async with async_playwright() as pw:
        def launch(audio: Path) -> Any:
            return pw.chromium.launch(executable_path=CHROMIUM, args=[
                *CHROMIUM_ARGS, *SCREEN_ARGS, f"--use-file-for-fake-audio-capture={audio}"])

        talker, others = await launch(loud), await launch(quiet)
        try:
            pages: dict[str, Any] = {}
            for who, browser in (("ann", others), ("bob", talker), ("cara", others)):
                ctx = await browser.new_context(viewport={"width": 960, "height": 600})
                page = await ctx.new_page()
                page.on("console", lambda msg, who=who: print(f"[{who}] {msg.text}") if msg.type == "error" else None)
                await page.goto(f"{souk.base_url}/call/{ROOM}#token={tokens[who]}&hd=0")
                pages[who] = page
            ann, bob, cara = pages["ann"], pages["bob"], pages["cara"]

            # everyone decodes the other two
            for who, page in pages.items():
                others_ = {x for x in pages if x != who}
                await until(f"{who} decodes {others_}", lambda page=page, o=others_: _all_decoding(page, o), 60,
                            show=lambda page=page: decoded(page))

            # bob shares a screen: everyone else decodes it on the stage
            await bob.click("#screen-btn")
            for page in (ann, cara):
                await until("the screen share decodes", lambda page=page: _all_decoding(page, {"bob~screen"}), 60,
                            show=lambda page=page: _screen_state(page, bob))
                plan = await page.evaluate("() => window.groupCall.plan")
                assert plan["mode"] == "stage" and plan["stage"] == "bob~screen", plan
                assert {v["id"] for v in plan["visible"]} >= {"bob", "bob~screen"}
            assert (await bob.evaluate("() => window.groupCall.plan"))["stage"] == "bob~screen"  # his own, local

            # bob talks (a tone), the others are silent: bob is the active speaker everywhere, from Janus
            for page in (ann, cara, bob):
                await until("bob is the active speaker", lambda page=page: _is(speaker(page), "bob"), 30)
            assert await ann.eval_on_selector('.tile[data-participant="bob"]', "el => el.classList.contains('speaking')")
            assert await ann.eval_on_selector('.tile[data-participant="cara"]', "el => !el.classList.contains('speaking')")

            # cara raises a hand; the host sees it
            await cara.click("#hand-btn")
            await until("the host sees cara's hand", lambda: ann.eval_on_selector("#hand-list", "el => el.textContent"))
            assert "Cara" in await ann.eval_on_selector("#hand-list", "el => el.textContent")

            # the host mutes bob at the media server: every page marks him muted
            await ann.click('.tile[data-participant="bob"] .host-tools .mute')
            await until("cara sees bob muted", lambda: cara.eval_on_selector(
                '.tile[data-participant="bob"] .flags', "el => el.textContent.includes('muted')"))

            # bob stops sharing; ann's window shrinks to one tile a page: the talker (bob) stays on screen, the
            # layer of his tile's size his ceiling, cara's tile is hidden and her video stops (her subscription
            # stays open)
            await bob.click("#screen-btn")
            await until("the stage is gone", lambda: _is_grid(ann))
            await ann.set_viewport_size({"width": 170, "height": 480})  # narrower than two 160-px tiles
            plan = await until("one tile a page", lambda: _one_a_page(ann))
            assert [v["id"] for v in plan["visible"]] == ["bob"] and "cara" in plan["hidden"], plan
            await until("the subscriptions follow the plan", lambda: ann.evaluate(SUBS_FOLLOW, plan["visible"][0]["layer"]))
            await asyncio.sleep(1)  # frames already on their way (jitter buffer) still decode
            before = await decoded(ann)
            await asyncio.sleep(2)
            after = await decoded(ann)
            assert after["bob"] > before["bob"] and after["cara"] - before["cara"] <= 1, (before, after)
            await ann.set_viewport_size({"width": 960, "height": 600})
            await until("cara decodes again", lambda: _more(ann, "cara", after["cara"]))

            # the host removes cara: her page says so, the others lose her tile, her token cannot rejoin
            await ann.click('.tile[data-participant="cara"] .host-tools .remove')
            await until("cara's page says removed",
                        lambda: cara.eval_on_selector("#call-status", "el => el.textContent === 'Removed'"))
            await until("ann loses cara's tile", lambda: ann.evaluate(
                "() => !document.querySelector('.tile[data-participant=\"cara\"]')"))
            assert await _socket_refused(souk, tokens["cara"])

            # the host ends the call for everyone
            await ann.click("#end-btn")
            await until("bob's call ended", lambda: bob.eval_on_selector("#call-status", "el => el.textContent === 'Ended'"))
            async with httpx.AsyncClient(base_url=souk.base_url, timeout=30) as http:
                r = await http.get(f"/v1/group-calls/{ROOM}", headers=bearer(tokens["ann"]))
                assert r.status_code == 409 and r.json()["error"]["code"] == "call_ended", r.text
        finally:
            await talker.close()
            await others.close()


async def _screen_state(page: Any, sharer: Any) -> Any:
    subs = await page.evaluate("() => [...window.groupCall.room.subs.values()].map((s) => [s.participant, "
                               "s.pc.connectionState])")
    return {"decoded": await decoded(page), "subs": subs,
            "sharer": await sharer.eval_on_selector("#notice", "el => el.textContent")}


# on ann's page: bob's subscription receives video with the planned layer as its ceiling (the weak-link adapter
# may go below it on a loaded machine, never above), cara's receives none
SUBS_FOLLOW = """(layer) => {
  const subs = [...window.groupCall.room.subs.values()];
  const of = (who) => subs.find((s) => s.participant === who) || {};
  const bob = of("bob");
  return bob.maxLayer === layer && bob.layer <= layer && bob.video !== false && of("cara").video === false;
}"""


async def _is_grid(page: Any) -> bool:
    return bool(await page.evaluate("() => window.groupCall.plan && window.groupCall.plan.mode === 'grid'"))


async def _one_a_page(page: Any) -> Any:
    plan = await page.evaluate("() => window.groupCall.plan")
    return plan if plan and len(plan["visible"]) == 1 else None


async def _more(page: Any, who: str, than: int) -> bool:
    return (await decoded(page)).get(who, 0) > than + 5


async def _all_decoding(page: Any, who: set[str]) -> bool:
    got = await decoded(page)
    return all(got.get(x, 0) > 0 for x in who)


async def _is(value: Awaitable[str], want: str) -> bool:
    return await value == want


async def _socket_refused(souk: Souk, token: str) -> bool:
    """The removed member's token is revoked: the signaling socket refuses it, or (a poll of the token guard
    under way when it was revoked) says ``token_revoked`` and closes within a poll period."""
    try:
        async with websockets.connect(f"{souk.ws_url}?token={token}") as ws:
            first = await asyncio.wait_for(ws.recv(), 5)
            if '"welcome"' not in str(first):
                return '"token_revoked"' in str(first)
            return '"token_revoked"' in str(await asyncio.wait_for(ws.recv(), 5))
    except websockets.exceptions.ConnectionClosed as closed:
        return closed.rcvd is not None and closed.rcvd.code == 4403
    except websockets.exceptions.InvalidStatus as refused:
        return refused.response.status_code in (401, 403)
