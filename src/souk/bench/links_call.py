"""One consult call of ``souk bench links``, driven in two Chromiums (seller console, shopper product page).

The shopper's page loads on a clean link (a shopper already on the product page); the cell's impairments
are set just before she presses "Video call the seller", so signaling, ICE, DTLS and media all cross them.
Connect time: the seller's accept click (as its page saw it) -> both pages decoding the other's video, or, on a
side where the SDK's weak-link adapter took the video away before its first frame (30 % loss), hearing the other
(``connected_audio_only`` names such sides).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from souk.bench.consult import accept_and_time
from souk.bench.linkem.link import Link
from souk.bench.linkem.profile import LinkProfile
from souk.bench.links_detail import DETAIL, delta
from souk.bench.links_figures import Snapshot, Window, freeze_events, path_rtt_ms, recovery_ms, window

TIMEOUT_MS = 30_000  # each wait of a call (page up, ring, first frames); a failed connect counts as this
POLL_S = 0.05
FREEZE_POLL_S = 0.5  # the measured window: both sides' counters this often, to say when each freeze ended

# The receiving side's counters (sums over its subscriptions) and its nominated pair's round trip.
SNAPSHOT = """async (key) => {
  const s = window[key];
  const out = { t_ms: Date.now(), frames_decoded: 0, freeze_count: 0, freezes_s: 0, audio_received: 0,
    audio_lost: 0, audio_fec: 0, audio_fec_discarded: 0, concealed: 0, samples: 0, audio_buffer_s: 0,
    audio_emitted: 0, jitter_s: null, rtt_s: null, in_call: false };
  if (!s || !s.room) return out;
  out.in_call = true;
  const pcs = [...s.room.subs.values()].map((x) => x.pc).filter(Boolean);
  for (const pc of [...pcs, s.room.pub?.pc].filter(Boolean)) {
    for (const r of (await pc.getStats()).values()) {
      if (r.type === "inbound-rtp" && r.kind === "video") {
        out.frames_decoded += r.framesDecoded || 0;
        out.freeze_count += r.freezeCount || 0;
        out.freezes_s += r.totalFreezesDuration || 0;
      } else if (r.type === "inbound-rtp" && r.kind === "audio") {
        out.audio_received += r.packetsReceived || 0;
        out.audio_lost += Math.max(0, r.packetsLost || 0);
        out.audio_fec += r.fecPacketsReceived || 0;
        out.audio_fec_discarded += r.fecPacketsDiscarded || 0;
        out.audio_buffer_s += r.jitterBufferDelay || 0;
        out.audio_emitted += r.jitterBufferEmittedCount || 0;
        out.concealed += r.concealedSamples || 0;
        out.samples += r.totalSamplesReceived || 0;
        if (r.jitter != null) out.jitter_s = Math.max(out.jitter_s ?? 0, r.jitter);
      } else if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded"
                 && r.currentRoundTripTime != null) {
        out.rtt_s = Math.max(out.rtt_s ?? 0, r.currentRoundTripTime);
      }
    }
  }
  return out;
}"""


@dataclass(frozen=True, slots=True)
class Browsers:
    seller: Any  # Playwright Browser
    shopper: Any
    seller_url: str  # Souk as the seller's browser reaches it
    shopper_url: str
    sku: str
    init_script: str = ""  # run in every page first (souk.bench.links_ablate: --without)


@dataclass
class CallResult:
    connect_ms: float
    sides: tuple[Window, Window] | None = None  # (seller receiving, shopper receiving)
    in_call_after: bool = False
    recovery_ms: float | None = None
    ring_ms: float | None = None  # call button -> ring shown on the console (as the driver saw it)
    steps: dict[str, float] | None = None  # each page's steps relative to the accept (souk.bench.consult)
    detail: dict[str, Any] | None = None  # per side, the repair counters over the window (souk.bench.links_detail)
    # the sides whose first media from the other was the voice: the SDK took the video away before a frame came
    audio_only: list[str] | None = None

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {"connect_ms": round(self.connect_ms, 1), "call_up": self.in_call_after}
        if self.audio_only:
            out["connected_audio_only"] = self.audio_only
        if self.steps is not None:  # the connect's trace: ring, then each step relative to the accept
            out.update({"ring_ms": None if self.ring_ms is None else round(self.ring_ms, 1),
                        "steps": {k: round(v, 1) for k, v in sorted(self.steps.items(), key=lambda kv: kv[1])}})
        if self.sides:
            sides = self.sides
            path = path_rtt_ms(sides)
            moses = [m for m in (w.mos(path) for w in sides) if m is not None]
            by_packets = [m for m in (w.mos_packets(path) for w in sides) if m is not None]
            concealment = [w.audio_concealment_ratio for w in sides if w.audio_concealment_ratio is not None]
            out.update({
                "path_rtt_ms": path,
                "leg_rtt_ms": {"seller": sides[0].rtt_ms, "shopper": sides[1].rtt_ms},
                "video_freeze_ratio": max(w.video_freeze_ratio for w in sides),
                "video_fps_min": round(min(w.frames / w.seconds for w in sides), 1),
                "audio_concealment_ratio": max(concealment) if concealment else None,
                "audio_loss_pct": max((w.audio_loss_pct or 0.0) for w in sides),
                "audio_loss_after_repair_pct": max((w.audio_loss_after_repair_pct or 0.0) for w in sides),
                "audio_mos": min(moses) if moses else None,
                "audio_mos_packets": min(by_packets) if by_packets else None,
                "audio_buffer_ms": max((w.audio_buffer_ms or 0.0) for w in sides),
                "jitter_ms": max((w.jitter_ms or 0.0) for w in sides),
            })
        if self.detail is not None:
            out["detail"] = self.detail
        if self.recovery_ms is not None or self.sides is None:
            out["recovery_after_outage_ms"] = self.recovery_ms
        return out


async def snapshot(page: Any, key: str) -> Snapshot:
    return Snapshot.of(await page.evaluate(SNAPSHOT, key))


async def _both(seller: Any, shopper: Any) -> tuple[Snapshot, Snapshot]:
    a, b = await asyncio.gather(snapshot(seller, "soukConsole"), snapshot(shopper, "soukCall"))
    return a, b


async def _poll(seller: Any, shopper: Any, polled: list[tuple[Snapshot, Snapshot]],
                seconds: float) -> list[tuple[Snapshot, Snapshot]]:
    """Both sides' snapshots every FREEZE_POLL_S for ``seconds`` (to time the freezes), after ``polled``."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        await asyncio.sleep(min(FREEZE_POLL_S, left))
        if end - time.monotonic() > FREEZE_POLL_S / 2:
            polled.append(await _both(seller, shopper))
    return polled


async def _details(seller: Any, shopper: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    a, b = await asyncio.gather(seller.evaluate(DETAIL, "soukConsole"), shopper.evaluate(DETAIL, "soukCall"))
    return a, b


async def call(b: Browsers, links: tuple[Link, Link], profiles: tuple[LinkProfile, LinkProfile], *,
               window_s: float = 0.0, outage_s: float = 0.0, impair_first: bool = True,
               ring_s: float = 0.0) -> CallResult:
    """One call: connect on the impaired links (``impair_first``; else on clean ones, impaired once both
    decode), the seller accepting ``ring_s`` after the ring shows, then measure ``window_s`` of media, then
    (``outage_s`` > 0) black the shopper's link out and time the recovery. Links are left clean afterwards."""
    seller_ctx = await b.seller.new_context()
    shopper_ctx = await b.shopper.new_context()
    if b.init_script:
        for ctx in (seller_ctx, shopper_ctx):
            await ctx.add_init_script(b.init_script)
    try:
        for link in links:
            await link.set(LinkProfile())
        seller = await seller_ctx.new_page()
        shopper = await shopper_ctx.new_page()
        await seller.goto(f"{b.seller_url}/console", timeout=TIMEOUT_MS)
        await seller.wait_for_selector("#console-status.online", timeout=TIMEOUT_MS)
        await shopper.goto(f"{b.shopper_url}/shop/{b.sku}", timeout=TIMEOUT_MS)
        if impair_first:
            await _impair(links, profiles)
        t_call = time.time() * 1000
        await shopper.click("#call-btn")
        accept = seller.locator("#incoming li.ringing button.accept")
        await accept.wait_for(timeout=TIMEOUT_MS)
        t_ring = time.time() * 1000
        connect_ms, steps = await accept_and_time(seller, shopper, accept, ring_s, timeout_ms=TIMEOUT_MS)
        audio_only = [name for name, page in (("seller", seller), ("shopper", shopper))
                      if await page.evaluate("() => window.__audioOnly")]
        result = CallResult(connect_ms=connect_ms, ring_ms=t_ring - t_call, steps=steps, audio_only=audio_only)
        if not impair_first:
            await _impair(links, profiles)
        if window_s > 0:
            await asyncio.sleep(1.0)  # past the first frames' start-up
            start, d0 = await _both(seller, shopper), await _details(seller, shopper)
            polled = await _poll(seller, shopper, [start], window_s)
            end, d1 = await _both(seller, shopper), await _details(seller, shopper)
            polled.append(end)
            result.sides = (window(start[0], end[0]), window(start[1], end[1]))
            result.detail = {"seller": delta(d0[0], d1[0]), "shopper": delta(d0[1], d1[1])}
            for i, side in enumerate(("seller", "shopper")):  # when in the window each freeze ended
                result.detail[side]["freezes"] = freeze_events([p[i] for p in polled])
        if outage_s > 0:
            result.recovery_ms = await _outage(seller, shopper, links[0], outage_s)
        before = await _both(seller, shopper)
        await asyncio.sleep(1.0)
        last = await _both(seller, shopper)  # up: both sides still hear the other, the shopper still in the call
        result.in_call_after = all(b.audio_received > a.audio_received for a, b in zip(before, last, strict=True)) \
            and await shopper.evaluate("() => window.soukCall.phase !== 'idle'")
        await shopper.click("#hangup-btn")
        await seller.wait_for_function("() => window.soukConsole.call === null", timeout=TIMEOUT_MS)
        return result
    finally:
        for link in links:
            await link.set(LinkProfile())
        await seller_ctx.close()
        await shopper_ctx.close()


async def _impair(links: tuple[Link, Link], profiles: tuple[LinkProfile, LinkProfile]) -> None:
    for link, profile in zip(links, profiles, strict=True):
        await link.set(profile)


async def _outage(seller: Any, shopper: Any, link: Link, seconds: float) -> float | None:
    """Black out ``link`` for ``seconds``; ms from its end until both sides get new video and audio."""
    samples: list[tuple[float, Snapshot, Snapshot]] = []
    await link.outage(seconds)
    end_ms = time.time() * 1000 + seconds * 1000
    deadline = end_ms + TIMEOUT_MS
    while time.time() * 1000 < deadline:
        s1, s2 = await _both(seller, shopper)
        samples.append((time.time() * 1000, s1, s2))
        got = recovery_ms(samples, end_ms)
        if got is not None:
            return got
        await asyncio.sleep(POLL_S)
    return None
