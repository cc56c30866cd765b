"""Janus SIGKILLed during a consult call between two headless Chromium pages (shopper and seller console):
Souk restarts it, re-creates the room and sends each page ``media.reset``; the SDK closes its dead
PeerConnections, republishes and resubscribes with no user action, and both pages decode new frames
within 3 s of Janus's restart. No error reaches either page.

Run alone: python -m souk.media.netns run --fallback -- .venv/bin/python -m pytest -q -s \
    tests/e2e/test_janus_restart_e2e.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import pytest

from tests.e2e.test_consult_e2e import handles, ringing, wait_media, warmed
from tests.fixtures.browser import Souk

pytestmark = [pytest.mark.browser, pytest.mark.janus]

BACK_WITHIN_S = 3.0  # the bound, from Janus's restart to both pages decoding again
PAGES = (("shopper", "soukCall"), ("seller", "soukConsole"))

# every SoukError either side's SDK reports (room and client "error" events) and every media.reset it hears
WATCH = """(key) => {
  const s = window[key];
  window.__h10 = { errors: [], resets: 0 };
  s.room.on("error", (e) => window.__h10.errors.push(e.code || String(e)));
  s.client.on("error", (e) => window.__h10.errors.push(e.code || String(e)));
  s.room.on("media.reset", () => { window.__h10.resets += 1; });
}"""

SUB_IDS = "(key) => [...window[key].room.subs.keys()]"

# video frames decoded on subscriptions other than ``old`` (the ones that died with Janus)
NEW_FRAMES = """async ([key, old]) => {
  let n = 0;
  for (const sub of window[key].room.subs.values()) {
    if (old.includes(sub.id)) continue;
    (await sub.pc.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "video") n += r.framesDecoded || 0; });
  }
  return n;
}"""


async def decoding_again(page: Any, key: str, old: list[str], frames: int = 3, timeout: float = 15.0) -> float:
    """When the page first counted ``frames`` new decoded frames (time.monotonic)."""
    deadline = time.monotonic() + timeout
    n = 0
    while time.monotonic() < deadline:
        n = await page.evaluate(NEW_FRAMES, [key, old])
        if n >= frames:
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key}: {n} new frames decoded {timeout}s after the kill")


async def test_janus_sigkill_mid_call_both_pages_decode_again(souk_media: Souk, chromium: Any) -> None:
    plane = souk_media.ctx.media
    assert plane is not None and plane.supervisor is not None
    baseline = await handles(souk_media)
    r = await ringing(souk_media, chromium, "AP-1002")
    await warmed(r.shopper)
    await r.accept.click()
    pages = {"shopper": r.shopper, "seller": r.seller}
    for name, key in PAGES:
        await wait_media(pages[name], key, frames=5)
        await pages[name].evaluate(WATCH, key)
    old = {name: await pages[name].evaluate(SUB_IDS, key) for name, key in PAGES}
    assert all(old.values())

    first, restarts = plane.supervisor.pid, plane.supervisor.restarts
    assert first is not None
    killed_at = time.monotonic()
    os.kill(first, signal.SIGKILL)
    while plane.supervisor.restarts == restarts:  # the supervisor's restart: Janus answers again
        assert time.monotonic() - killed_at < 10, "Janus was not restarted"
        await asyncio.sleep(0.01)
    restarted_at = time.monotonic()
    assert plane.supervisor.pid not in (None, first)

    back = await asyncio.gather(*(decoding_again(pages[name], key, old[name]) for name, key in PAGES))
    after = {name: t - restarted_at for (name, _), t in zip(PAGES, back, strict=True)}
    print(f"\nkill -> Janus restarted {restarted_at - killed_at:.2f} s; restart -> decoding again: "
          + ", ".join(f"{name} {s:.2f} s" for name, s in after.items()))
    assert max(after.values()) < BACK_WITHIN_S, after

    for name, key in PAGES:
        seen = await pages[name].evaluate("() => window.__h10")
        assert seen == {"errors": [], "resets": 1}, (name, seen)
        await wait_media(pages[name], key, frames=5)  # the quality indicator reads the new connections
    assert souk_media.ctx.calls.active("lumen")[0].state.value == "accepted"  # the call went on
    assert await r.shopper.inner_text("#call-status") == "Connected with the seller"
    assert await handles(souk_media) == baseline + 4  # two publishers, two subscribers on the new Janus
    assert r.errors == []
    await r.shopper.click("#hangup-btn")
    await r.seller.wait_for_function("() => window.soukConsole.call === null", timeout=10_000)
