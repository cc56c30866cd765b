"""ICE restart after an outage, the call resumed and not re-dialled: the shopper's Chromium behind an emulated
link (page, signaling and media all cross it) loses the path for 8 s. Its PeerConnections go disconnected, the
SDK restarts ICE on each of them in place (new ICE credentials on both sides), and media flows again on the
same PeerConnections and subscription ids, with no signaling reconnect, no media.reset, no new subscription."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from souk.bench.linkem.profile import LinkProfile
from tests.integration.resilience.call import call

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.timeout(180)]

OUTAGE_S = 8.0


def events(st: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in st["events"] if e["e"] == name]


async def test_ice_restarts_in_place_after_an_outage(tmp_path: Path) -> None:
    async with call(tmp_path, link=LinkProfile.symmetric(rtt_ms=60, seed=5)) as c:
        assert c.link is not None
        before = await c.state(c.shopper)
        sub0 = before["subs"][0]
        seller_sub0 = await c.sub(c.seller)
        restored_at = time.monotonic() + OUTAGE_S
        await c.link.outage(OUTAGE_S)
        went_down = await c.until(c.shopper, lambda s: s["subs"][0]["ice"] in ("disconnected", "failed"),
                                  "the shopper's ICE noticed the outage", timeout=OUTAGE_S)
        assert went_down["pub"]["ice"] in ("disconnected", "failed", "checking", "connected"), went_down
        await asyncio.sleep(max(0.0, restored_at - time.monotonic()))
        frames_at_restore = (await c.sub(c.shopper))["frames"]
        after = await c.until(
            c.shopper, lambda s: {e["target"] for e in events(s, "ice.restarted")} >= {"pub", sub0["id"]}
            and s["subs"][0]["frames"] > frames_at_restore + 30, "ICE restarted on both connections, video back",
            timeout=30)
        back_in = time.monotonic() - restored_at
        sub1 = after["subs"][0]
        # the same call: same subscription, nothing re-dialled or reconnected
        assert sub1["id"] == sub0["id"] and sub1["participant"] == "seller-1", (sub0, sub1)
        assert not [e for e in after["events"] if e["e"] in ("reconnecting", "media.reset", "track.ended",
                                                               "ice.restart.failed", "error")], after["events"]
        # new ICE credentials on both sides of both connections: a restart, not a recovery of the old pair
        assert sub1["localUfrag"] != sub0["localUfrag"] and sub1["remoteUfrag"] != sub0["remoteUfrag"], (sub0, sub1)
        assert after["pub"]["localUfrag"] != before["pub"]["localUfrag"], (before["pub"], after["pub"])
        assert after["pub"]["remoteUfrag"] != before["pub"]["remoteUfrag"], (before["pub"], after["pub"])
        assert sub1["audioPackets"] > sub0["audioPackets"]
        # the seller still receives the shopper on its same subscription (the shopper's publisher restarted)
        seller_sub = await c.sub(c.seller)
        assert seller_sub["id"] == seller_sub0["id"]
        await c.decoding(c.seller, more_than=seller_sub["frames"], timeout=15)
        print(f"\nmedia back {back_in:.1f} s after the {OUTAGE_S:.0f} s outage ended; "
              f"restarts: {[(e['target'], e.get('ms')) for e in events(after, 'ice.restarted')]}")
