"""The issue's scenario in real headless Chromium, browser to browser through Janus:
a shopper presses "Video call the seller", the console rings, the seller accepts, both decode each
other's video and receive audio, and hanging up ends both sides.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e -k consult
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fixtures.browser import Souk

pytestmark = [pytest.mark.browser, pytest.mark.janus]

QUALITY = "async (key) => { const s = window[key]; return s && s.room ? await s.room.quality() : null; }"


async def quality(page: Any, key: str) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await page.evaluate(QUALITY, key)
    return result


async def wait_media(page: Any, key: str, frames: int, timeout: float = 20.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    q: dict[str, Any] | None = None
    while loop.time() < deadline:
        q = await quality(page, key)
        if q and q["framesDecoded"] >= frames and q["audioPackets"] > 0:
            return q
        await asyncio.sleep(0.25)
    raise AssertionError(f"{key}: no remote media after {timeout}s: {q}")


async def handles(souk: Souk) -> int:
    admin = await souk.ctx.media.admin()
    try:
        return await admin.count_handles()
    finally:
        await admin.aclose()


SUBS = "() => [...window.soukCall.room.subs.values()].map((s) => ({ id: s.id, participant: s.participant, warm: s.warm }))"


async def subs(page: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await page.evaluate(SUBS)
    return result


async def warmed(shopper: Any) -> str:
    """Wait for the shopper's warm subscription to be connected; its sub id."""
    await shopper.wait_for_function("() => window.soukCall.marks.warm", timeout=10_000)
    [sub] = await subs(shopper)
    assert sub["warm"] is True and sub["participant"] is None
    return str(sub["id"])


async def seller_warmed(seller: Any) -> None:
    """Wait for the console to have prepared the ringing call backstage: joined, camera published, its warm
    connection up (console-backstage.js)."""
    await seller.wait_for_function(
        "() => { const p = window.soukConsole.backstage.prep; return p && p.marks.prep_warm; }", timeout=10_000)


SELLER_SUBS = ("() => [...window.soukConsole.room.subs.values()]"
               ".map((s) => ({ id: s.id, participant: s.participant, warm: s.warm }))")


@dataclass
class Ringing:
    seller: Any
    shopper: Any
    accept: Any  # the seller console's accept button
    errors: list[str]  # page errors on either side
    warnings: list[str]  # the shopper page's console warnings


async def ringing(souk: Souk, chromium: Any, sku: str = "AP-1001") -> Ringing:
    """The seller's console online, the shopper's call to it ringing."""
    seller = await (await chromium.new_context()).new_page()
    shopper = await (await chromium.new_context()).new_page()
    r = Ringing(seller, shopper, seller.locator("#incoming li.ringing button.accept"), [], [])
    for p in (seller, shopper):
        p.on("pageerror", lambda e: r.errors.append(str(e)))
    shopper.on("console", lambda msg: r.warnings.append(msg.text) if msg.type == "warning" else None)
    await seller.goto(f"{souk.base_url}/console")
    await seller.wait_for_selector("#console-status.online", timeout=10_000)
    await shopper.goto(f"{souk.base_url}/shop/{sku}")
    await shopper.click("#call-btn")
    await r.accept.wait_for(timeout=10_000)
    return r


def shopper_session(souk: Souk) -> Any:
    members = [m for room in souk.ctx.hub.rooms.values() for m in room.members.values()]
    return next(m.session for m in members if m.identity.startswith("shopper_"))


async def in_call_then_hang_up(souk: Souk, r: Ringing, baseline: int) -> None:
    """Both sides get media, 2 publishers + 2 subscribers; the hang-up releases every handle."""
    await wait_media(r.shopper, "soukCall", frames=5)
    await wait_media(r.seller, "soukConsole", frames=5)
    assert await handles(souk) == baseline + 4
    await r.shopper.click("#hangup-btn")
    await r.seller.wait_for_function("() => window.soukConsole.call === null", timeout=10_000)
    for _ in range(100):
        if await handles(souk) == baseline:
            break
        await asyncio.sleep(0.05)
    assert await handles(souk) == baseline
    assert r.errors == []


async def test_consult_video_call_shopper_to_seller(souk_media: Souk, chromium: Any) -> None:
    baseline = await handles(souk_media)
    r = await ringing(souk_media, chromium, "AP-1002")
    seller, shopper, accept, errors = r.seller, r.shopper, r.accept, r.errors
    assert "Waterproof Hiking Jacket" in await seller.inner_text("#incoming")
    # while it rings the shopper's subscriber connection comes up, held with no media (a warm subscription)
    warm_sub = await warmed(shopper)
    q = await quality(shopper, "soukCall")  # the indicator leaves the warm PC (her own video, then nothing) out
    assert q is not None and q["framesDecoded"] == 0 and q["audioPackets"] == 0 and q["level"] != "poor"
    # the console prepares too, backstage: its camera published and its warm connection up, seen by nobody
    await seller_warmed(seller)
    [seller_warm] = await seller.evaluate(SELLER_SUBS.replace("soukConsole.room", "soukConsole.backstage.prep.room"))
    assert seller_warm["warm"] is True and seller_warm["participant"] is None
    assert await seller.evaluate("() => window.soukConsole.camera === null")  # one camera: the prepared call's
    assert await handles(souk_media) == baseline + 4  # each side: a publisher and a warm subscription
    assert not await shopper.evaluate("() => window.soukCall.room.participants.has('seller-demo')")
    assert await seller.evaluate("() => window.soukConsole.backstage.prep.room.participants.size") == 0
    await accept.click()

    # both sides decode the other's video and receive audio, and keep doing so
    s1 = await wait_media(shopper, "soukCall", frames=5)
    c1 = await wait_media(seller, "soukConsole", frames=5)
    await asyncio.sleep(1.0)
    s2 = await wait_media(shopper, "soukCall", frames=s1["framesDecoded"] + 5)
    c2 = await wait_media(seller, "soukConsole", frames=c1["framesDecoded"] + 5)
    assert s2["audioPackets"] > s1["audioPackets"] and c2["audioPackets"] > c1["audioPackets"]
    assert s2["audioEnergy"] > 0 and c2["audioEnergy"] > 0  # the fake microphone's beep arrives
    assert await shopper.inner_text("#call-status") == "Connected with the seller"
    for page in (shopper, seller):  # the getStats-based quality indicator is live
        await page.wait_for_selector("#quality.good", timeout=6_000)
        assert "frames" in (await page.get_attribute("#quality", "title") or "")
    assert (await shopper.inner_text("#call-timer")).startswith("00:0")
    assert await handles(souk_media) == baseline + 4  # two publishers, two subscribers
    # the seller's media came on the warm connection, switched to the seller's feed after the accept
    marks = await shopper.evaluate("() => window.soukCall.marks")
    assert marks["warm"] < marks["accepted"] <= marks["switched"], marks
    assert await subs(shopper) == [{"id": warm_sub, "participant": "seller-demo", "warm": False}]
    # and the shopper's media on the seller's warm connection, switched to her feed
    seller_marks = await seller.evaluate("() => window.soukConsole.marks")
    assert seller_marks["prep_warm"] < seller_marks["accept"] <= seller_marks["switched"], seller_marks
    shopper_id = (await shopper.evaluate("() => window.soukCall.room.identity"))
    assert await seller.evaluate(SELLER_SUBS) == [{"id": seller_warm["id"], "participant": shopper_id, "warm": False}]
    # both switched by the server at the accept (souk.signal.seat), not by a switch request of the page
    by = "(key) => [...window[key].room.subs.values()].map((s) => s.switchedBy)"
    assert await shopper.evaluate(by, "soukCall") == ["server"] and await seller.evaluate(by, "soukConsole") == ["server"]

    # the shopper's signaling socket drops: the SDK reconnects within the grace period, rejoins, republishes
    # and resubscribes; the call goes on and media flows both ways again on fresh PeerConnections
    await shopper.evaluate("() => window.soukCall.client.ws.close(4000, 'network blip')")
    await shopper.wait_for_function(
        "() => window.soukCall.client.reconnecting === false && window.soukCall.client.ws.readyState === 1",
        timeout=10_000)
    await wait_media(shopper, "soukCall", frames=5)
    await wait_media(seller, "soukConsole", frames=5)
    assert souk_media.ctx.calls.active("lumen")[0].state.value == "accepted"
    assert await handles(souk_media) == baseline + 4  # the dropped session's handles were released

    # mute and camera toggles reach the other side as media state
    await shopper.click("#mute-btn")
    await shopper.locator("#mute-btn", has_text="Unmute").wait_for(timeout=5_000)
    await shopper.click("#camera-btn")
    await shopper.locator("#camera-btn", has_text="Camera on").wait_for(timeout=5_000)
    members = {m.identity: m for rooms in souk_media.ctx.hub.rooms.values() for m in rooms.members.values()}
    shopper_member = next(m for i, m in members.items() if i.startswith("shopper_"))
    assert shopper_member.audio_muted and shopper_member.video_muted

    # the shopper hangs up: both sides end, the record is completed, no Janus handle is left
    await shopper.click("#hangup-btn")
    await shopper.wait_for_function("() => window.soukCall.phase === 'idle'", timeout=10_000)
    await seller.wait_for_function("() => window.soukConsole.call === null", timeout=10_000)
    assert await shopper.inner_text("#call-status") == "Call ended."
    assert await seller.inner_text("#call-status") == "Call ended."
    await seller.wait_for_selector("#records tr.completed", timeout=10_000)
    records = await souk_media.ctx.storage.calls.list("lumen")
    assert records[0].outcome is not None and records[0].outcome.value == "completed"
    assert records[0].product_sku == "AP-1002" and records[0].seller_identity == "seller-demo"
    for _ in range(100):
        if await handles(souk_media) == baseline:
            break
        await asyncio.sleep(0.05)
    assert await handles(souk_media) == baseline
    assert errors == []


async def test_consult_warm_switch_failure_falls_back_to_subscribe(souk_media: Souk, chromium: Any) -> None:
    """The server drops the shopper's warm subscription while it rings (as when her own feed flaps): the
    SDK's switch is refused, it closes the warm connection and subscribes the usual way; the call works."""
    from souk.signal.messages import Unsubscribe

    baseline = await handles(souk_media)
    r = await ringing(souk_media, chromium)
    warm_sub = await warmed(r.shopper)
    session = shopper_session(souk_media)
    assert session.subs[warm_sub].warm
    await session.handle(Unsubscribe(sub=warm_sub))  # the browser is not told: its PC still looks connected
    await r.accept.click()

    await wait_media(r.shopper, "soukCall", frames=5)
    assert any("switching the warm subscription" in w and "unknown_subscription" in w for w in r.warnings), r.warnings
    marks = await r.shopper.evaluate("() => window.soukCall.marks")
    assert "switched" not in marks and marks["track"] >= marks["accepted"]
    [sub] = await subs(r.shopper)
    assert sub["id"] != warm_sub and sub["participant"] == "seller-demo" and sub["warm"] is False
    await in_call_then_hang_up(souk_media, r, baseline)  # the dropped warm handle is neither leaked nor reused


async def test_consult_seller_published_while_warm_is_pending_still_switches(
        souk_media: Souk, chromium: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seller's feed comes up while the shopper's warm request is still unanswered: the SDK waits for
    that warm subscription and switches it rather than opening a second one beside it."""
    from souk.signal import messages as m
    from souk.signal.session import SignalSession

    asked, gate = asyncio.Event(), asyncio.Event()
    warm = SignalSession.warm

    async def held_warm(self: SignalSession, msg: m.Warm) -> m.SdpOffer:
        asked.set()
        await gate.wait()
        return await warm(self, msg)

    monkeypatch.setattr(SignalSession, "warm", held_warm)
    baseline = await handles(souk_media)
    r = await ringing(souk_media, chromium)
    await asyncio.wait_for(asked.wait(), 10)  # the shopper's warm request is in, its answer held back
    await r.accept.click()
    await r.shopper.wait_for_function("() => window.soukCall.marks.seller_published", timeout=10_000)
    assert await subs(r.shopper) == []  # no subscription of its own: waiting for the warm one
    gate.set()

    await r.shopper.wait_for_function("() => window.soukCall.marks.switched", timeout=10_000)
    [sub] = await subs(r.shopper)
    assert sub["participant"] == "seller-demo" and sub["warm"] is False
    assert r.warnings == []
    await in_call_then_hang_up(souk_media, r, baseline)


async def test_consult_reconnect_while_ringing_warms_again(souk_media: Souk, chromium: Any) -> None:
    """The shopper's signaling drops while it rings: the SDK rejoins, republishes and warms a new
    subscription (the server dropped the old one with her session), which the accept then switches."""
    baseline = await handles(souk_media)
    r = await ringing(souk_media, chromium)
    first = await warmed(r.shopper)
    await r.shopper.evaluate("() => window.soukCall.client.ws.close(4000, 'network blip')")
    await r.shopper.wait_for_function(
        """(first) => {
          const c = window.soukCall.client;
          const warm = [...window.soukCall.room.subs.values()].filter((s) => s.warm);
          return c.reconnecting === false && warm.length === 1 && warm[0].id !== first
            && warm[0].pc.connectionState === "connected";
        }""", arg=first, timeout=15_000)
    [again] = await subs(r.shopper)
    await seller_warmed(r.seller)
    assert await handles(souk_media) == baseline + 4  # hers and the console's: a publisher and a warm subscription
    await r.accept.click()
    await r.shopper.wait_for_function("() => window.soukCall.marks.switched", timeout=10_000)
    assert await subs(r.shopper) == [{"id": again["id"], "participant": "seller-demo", "warm": False}]
    await in_call_then_hang_up(souk_media, r, baseline)


async def test_consult_camera_denied_shows_a_clear_message(souk_media: Souk, chromium: Any) -> None:
    ctx = await chromium.new_context()
    await ctx.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));")
    shopper = await ctx.new_page()
    await shopper.goto(f"{souk_media.base_url}/shop/AP-1001")
    await shopper.click("#call-btn")
    await shopper.wait_for_selector("#call-error:not(.hidden)", timeout=10_000)
    assert "permission was denied" in await shopper.inner_text("#call-error")
    # the aborted request did not leave the seller's console ringing
    for _ in range(100):
        if not souk_media.ctx.calls.active("lumen"):
            break
        await asyncio.sleep(0.05)
    assert souk_media.ctx.calls.active("lumen") == []
    records = await souk_media.ctx.storage.calls.list("lumen")
    assert records[0].outcome is not None and records[0].outcome.value == "cancelled"


async def test_consult_declined_then_missed(tmp_path: Any, chromium: Any) -> None:
    import shutil

    from tests.fixtures.browser import in_netns, running_souk

    if shutil.which("janus") is None or not in_netns():
        pytest.skip("needs janus and the network namespace (python -m souk.media.netns run -- ...)")
    async with running_souk(tmp_path / "souk", media=True, calls={"ring_timeout_s": 2.0}) as s:
        baseline = await handles(s)
        seller = await (await chromium.new_context()).new_page()
        shopper = await (await chromium.new_context()).new_page()
        await seller.goto(f"{s.base_url}/console")
        await seller.wait_for_selector("#console-status.online", timeout=10_000)
        await shopper.goto(f"{s.base_url}/shop/AP-1003")

        await shopper.click("#call-btn")
        decline = seller.locator("#incoming li.ringing button.decline")
        await decline.wait_for(timeout=10_000)
        await decline.click()
        await shopper.locator("#call-status", has_text="can't take a call").wait_for(timeout=10_000)
        await seller.locator("#incoming li.empty").wait_for(timeout=5_000)

        await shopper.click("#call-btn")  # nobody answers this time
        await seller.locator("#incoming li.ringing").wait_for(timeout=10_000)
        await shopper.locator("#call-status", has_text="didn't answer").wait_for(timeout=10_000)
        await seller.locator("#incoming li.empty").wait_for(timeout=5_000)
        await seller.locator("#records tr.missed").wait_for(timeout=5_000)

        outcomes = [r.outcome.value for r in await s.ctx.storage.calls.list("lumen") if r.outcome]
        assert sorted(outcomes) == ["declined", "missed"]
        for _ in range(100):  # the shopper had joined and published while it rang: all released
            if await handles(s) == baseline:
                break
            await asyncio.sleep(0.05)
        assert await handles(s) == baseline


async def test_consult_network_failure_shows_a_clear_message(souk_media: Souk, chromium: Any) -> None:
    shopper = await (await chromium.new_context()).new_page()
    await shopper.goto(f"{souk_media.base_url}/shop/AP-1001")
    await shopper.route("**/v1/consults", lambda route: route.abort("internetdisconnected"))
    await shopper.click("#call-btn")
    await shopper.wait_for_selector("#call-error:not(.hidden)", timeout=10_000)
    assert "network connection" in await shopper.inner_text("#call-error")
    assert await shopper.is_enabled("#call-btn")  # the shopper can try again


async def test_consult_two_consoles_prepare_one_answers_the_other_leaves(souk_media: Souk, chromium: Any) -> None:
    """Two sellers' consoles both prepare the ringing call backstage (neither seen by the shopper nor by each
    other); one accepts: it is seated and switched, the other is told answered_elsewhere and leaves the room,
    releasing its publisher and warm connection."""
    baseline = await handles(souk_media)
    token = souk_media.ctx.tokens.mint(merchant_id="lumen", identity="seller-2", room="*", role="agent")
    other = await (await chromium.new_context()).new_page()
    await other.goto(f"{souk_media.base_url}/console#token={token}")
    await other.wait_for_selector("#console-status.online", timeout=10_000)
    r = await ringing(souk_media, chromium)
    await warmed(r.shopper)
    await seller_warmed(r.seller)
    await seller_warmed(other)
    assert await handles(souk_media) == baseline + 6  # three of them: a publisher and a warm subscription each
    assert not await r.shopper.evaluate("() => window.soukCall.room.participants.size")
    await r.accept.click()

    await wait_media(r.seller, "soukConsole", frames=5)
    await other.wait_for_function(
        "() => window.soukConsole.backstage.prep === null && window.soukConsole.console.room === null", timeout=10_000)
    assert await other.inner_text("#incoming") == "No one is calling right now."
    assert [p for p in await r.shopper.evaluate("() => [...window.soukCall.room.participants.keys()]")] == [
        "seller-demo"]
    for _ in range(100):
        if await handles(souk_media) == baseline + 4:
            break
        await asyncio.sleep(0.05)
    await in_call_then_hang_up(souk_media, r, baseline)

    # the next call rings: the console that lost the last one prepares this one as well
    await r.shopper.click("#call-btn")
    await seller_warmed(other)
    await seller_warmed(r.seller)
    await r.shopper.click("#hangup-btn")
    for page in (other, r.seller):
        await page.wait_for_function("() => !window.soukConsole.backstage.busy", timeout=10_000)
