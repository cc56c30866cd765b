"""A real Chromium 1v1 consult through Janus with the shopper on an emulated 150 ms RTT / 2 % loss link.

The shopper's Chromium runs in the link's shopper namespace (Playwright launches it through the link's
wrapper) and reaches Souk only through the link: its page, its signaling socket (a TCP relay on the link's
core address) and its media (Janus gathers a candidate on the link's core device). The seller's Chromium
runs beside Souk. Both sides must decode the other's video and receive audio, and the link's counters must
show the media crossed it and lost packets both ways.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from souk.bench.linkem.link import Link, open_link
from souk.bench.linkem.profile import LinkProfile
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS, running_souk
from tests.fixtures.linkem import need_link, next_index

pytestmark = [pytest.mark.browser, pytest.mark.janus]

QUALITY = "async (key) => { const s = window[key]; return s && s.room ? await s.room.quality() : null; }"
PAIR = """async () => {
  const pcs = [window.soukCall.room.pub?.pc, ...[...window.soukCall.room.subs.values()].map((s) => s.pc)];
  const out = [];
  for (const pc of pcs.filter(Boolean)) {
    const stats = await pc.getStats();
    for (const s of stats.values()) {
      if (s.type === "candidate-pair" && s.state === "succeeded" && s.nominated) {
        out.push({ address: stats.get(s.remoteCandidateId).address, rtt: s.currentRoundTripTime ?? null });
      }
    }
  }
  return out;
}"""


async def wait_media(page: Any, key: str, frames: int, timeout: float = 40.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    q: dict[str, Any] | None = None
    while loop.time() < deadline:
        q = await page.evaluate(QUALITY, key)
        if q and q["framesDecoded"] >= frames and q["audioPackets"] > 0:
            return q
        await asyncio.sleep(0.25)
    raise AssertionError(f"{key}: no remote media after {timeout}s: {q}")


async def test_chromium_consult_across_a_150ms_2pct_link(tmp_path: Path) -> None:
    need_link()
    if shutil.which("janus") is None or not Path(CHROMIUM).exists():
        pytest.skip("needs janus and chromium (make setup)")
    from playwright.async_api import async_playwright

    profile = LinkProfile.symmetric(rtt_ms=150, loss=0.02, seed=3)
    async with open_link(profile, index=next_index()) as link, running_souk(
            tmp_path / "souk", media=True, janus={"ice_enforce_list": f"vA,{link.info.core_dev}"}) as souk, \
            async_playwright() as pw:
        port = int(souk.base_url.rsplit(":", 1)[1])
        await link.expose_tcp(port)
        seller_browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        shopper_browser = await pw.chromium.launch(executable_path=str(link.chromium_wrapper(tmp_path)),
                                                   args=CHROMIUM_ARGS + link.chromium_args(port))
        try:
            await _consult(souk.base_url, f"http://{link.core_addr}:{port}", link, seller_browser, shopper_browser)
        finally:
            await shopper_browser.close()
            await seller_browser.close()


async def _consult(seller_url: str, shopper_url: str, link: Link, seller_browser: Any, shopper_browser: Any) -> None:
    errors: list[str] = []
    seller = await (await seller_browser.new_context()).new_page()
    shopper = await (await shopper_browser.new_context()).new_page()
    for p in (seller, shopper):
        p.on("pageerror", lambda e: errors.append(str(e)))
    await seller.goto(f"{seller_url}/console")
    await seller.wait_for_selector("#console-status.online", timeout=15_000)
    await shopper.goto(f"{shopper_url}/shop/AP-1001", timeout=30_000)
    await shopper.click("#call-btn")
    accept = seller.locator("#incoming li.ringing button.accept")
    await accept.wait_for(timeout=20_000)
    before = await link.stats()
    await accept.click()

    s1 = await wait_media(shopper, "soukCall", frames=10)
    c1 = await wait_media(seller, "soukConsole", frames=10)
    await asyncio.sleep(3.0)  # media keeps flowing across the lossy link
    s2 = await wait_media(shopper, "soukCall", frames=s1["framesDecoded"] + 20)
    c2 = await wait_media(seller, "soukConsole", frames=c1["framesDecoded"] + 20)
    assert s2["audioPackets"] > s1["audioPackets"] and c2["audioPackets"] > c1["audioPackets"]

    # every nominated ICE pair of the shopper ends at Janus's candidate on the link, at the link's round trip
    pairs = await shopper.evaluate(PAIR)
    assert pairs and {p["address"] for p in pairs} == {link.core_addr}, pairs
    assert all(p["rtt"] is None or 0.14 <= p["rtt"] <= 0.4 for p in pairs), pairs
    after = await link.stats()
    for d in ("up", "down"):  # video both ways: well over 100 kB each way, and the link lost some of it
        assert after[d]["bytes_passed"] - before[d]["bytes_passed"] > 100_000, after
        assert after[d]["dropped_loss"] > before[d]["dropped_loss"], after
    assert errors == []
