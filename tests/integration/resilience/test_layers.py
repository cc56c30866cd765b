"""Simulcast layer per subscriber from its measured bandwidth, and the audio-only fallback, in real Chromium.

The seller publishes simulcast (h 640, m 320, l 160 px wide) beside Souk; the shopper's Chromium subscribes
to it from behind an emulated link. The test caps the link's downlink and watches the shopper's SDK (its
LayerAdapter, fed by its own getStats) pick a lower layer, then stop the video when even the lowest layer does
not fit while audio keeps flowing, then, with the cap lifted, resume the video and climb back to the top layer.
Decoded frame widths confirm each choice reached Janus. Faster holds than the defaults keep the test short.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from souk.bench.linkem.profile import Direction, LinkProfile
from tests.integration.resilience.call import call

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.slow, pytest.mark.timeout(240)]

DELAY = Direction(delay_ms=20)
POLICY = {"upHoldMs": 3000, "resumeHoldMs": 4000, "settleMs": 2000}


def capped(kbps: float) -> LinkProfile:
    return LinkProfile(up=DELAY, down=Direction(delay_ms=20, rate_kbps=kbps, queue_bytes=12_000), seed=7)


def adapts(st: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in st["events"] if e["e"] == "adapt"]


async def test_layer_follows_the_bandwidth_and_video_stops_and_resumes(tmp_path: Path) -> None:
    async with call(tmp_path, link=LinkProfile(up=DELAY, down=DELAY), seller_simulcast=True, policy=POLICY) as c:
        assert c.link is not None
        top = await c.until(c.shopper, lambda s: s["subs"][0]["width"] == 640, "the top layer at first")
        assert adapts(top) == [], top["events"]

        # a 250 kbps downlink: the top layer (~600 kbps and more) does not fit, a lower one does
        await c.link.set(capped(250))
        low = await c.until(c.shopper, lambda s: any(e["layer"] < 2 and e["video"] for e in adapts(s))
                            and 0 < s["subs"][0]["width"] <= 320, "a lower layer under a 250 kbps cap", timeout=40)
        first = adapts(low)[0]
        assert first["layer"] < 2 and first["reason"].startswith("down"), first

        # 50 kbps: not even the lowest layer fits: video stops, the audio goes on
        await c.link.set(capped(50))
        off = await c.until(c.shopper, lambda s: any(not e["video"] for e in adapts(s)), "audio only", timeout=45)
        assert not off["subs"][0]["video"]
        await asyncio.sleep(2.0)  # what was queued drains
        a = await c.sub(c.shopper)
        await asyncio.sleep(3.0)
        b = await c.sub(c.shopper)
        if not b["video"]:  # (a resume probe may be under way; judge only a quiet stretch)
            assert b["videoPackets"] - a["videoPackets"] < 30, (a, b)
        assert b["audioPackets"] - a["audioPackets"] > 50, (a, b)

        # the cap lifted: the video resumes and climbs back to the top layer
        await c.link.set(LinkProfile(up=DELAY, down=DELAY))
        back = await c.until(c.shopper, lambda s: s["subs"][0]["video"] and s["subs"][0]["layer"] == 2
                             and s["subs"][0]["width"] == 640, "back to the top layer", timeout=90)
        frames = back["subs"][0]["frames"]
        await c.decoding(c.shopper, more_than=frames, timeout=10)
        seq = [(e["layer"], e["video"]) for e in adapts(back)]
        print(f"\nadapt: {[(e['layer'], e['video'], e['reason']) for e in adapts(back)]}")
        assert (0, False) in seq and seq[-1] == (2, True), seq
        assert not [e for e in back["events"] if e["e"] in ("reconnecting", "media.reset", "error")], back["events"]
