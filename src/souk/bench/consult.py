"""`souk bench consult`: the issue's scenario timed in real headless Chromium.

Per round: a fresh seller console and shopper product page (separate browser contexts, fake camera and
microphone), the shopper presses "Video call the seller", the console rings, the seller accepts ``--ring-ms``
after the ring shows (default 2000: a person reaching for the button; 0: at once, the worst case, when neither
side has finished preparing). Measured: call button -> ring shown on the console (as seen from the driver), and
the accept click (as the console page saw it) -> BOTH pages decoding the other's video (first
``framesDecoded > 0`` on each side's subscription, sampled every 10 ms in the pages), with the p50 of each
step relative to the accept (``prep_*``: the console preparing while it rang, negative when done before the
click), how many rounds had each side warm at the click, and the steps of the slowest rounds. Runs in a
private network namespace with ``souk serve`` (embedded Janus) as a separate process. Prints one JSON object.
Percentiles are nearest rank; a round that failed (any wait past TIMEOUT_MS, or an error) counts as TIMEOUT_MS
in both percentiles and in ``failed``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from souk.core.progress import progress
from souk.core.settings import Settings
from souk.core.stats import percentile
from souk.data import demo_product_sku

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 15_000  # every wait of a round (console online, ring, each first frame, hang-up)
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-gpu", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
]
# Marks, in Date.now() milliseconds, when this page first has a receiving connection up (ICE and DTLS done:
# a warm one is up before the accept) and when it first decodes remote video (the keyframe after that).
FIRST_FRAME_PROBE = """(key) => {
  window.__firstFrame = null;
  window.__audioOnly = false;
  window.__subUp = null;
  const tick = async () => {
    const s = window[key];
    const prepared = s && s.backstage && s.backstage.prep && s.backstage.prep.room;  // the console, before the accept
    if (!window.__subUp && (s && s.room || prepared)
        && [...(s.room || prepared).subs.values()].some((x) => x.pc.connectionState === "connected")) {
      window.__subUp = Date.now();
    }
    if (s && s.room && s.room.subs.size) {
      if (!window.__subUp && [...s.room.subs.values()].some((x) => x.pc.connectionState === "connected")) {
        window.__subUp = Date.now();
      }
      const q = await s.room.quality();
      if (q.framesDecoded > 0) { window.__firstFrame = Date.now(); return; }
      // the SDK's weak-link adapter (sdk/layers.js) took the video away before a frame came (a link that
      // cannot carry it, e.g. 30 % loss): the call is up once the other side is heard
      const live = [...s.room.subs.values()].filter((x) => !x.warm);
      if (live.length && live.every((x) => x.video === false) && q.audioPackets > 0) {
        window.__audioOnly = true;
        window.__firstFrame = Date.now();
        return;
      }
    }
    setTimeout(tick, 10);
  };
  tick();
}"""


def register(bench: Any) -> None:
    p = bench.add_parser("consult", help="shopper calls, seller accepts: accept -> both decoding video, "
                                         "in headless Chromium (JSON)")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--ring-ms", type=int, default=2000,
                   help="how long the seller lets it ring before accepting (0: at once)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    if not Path(CHROMIUM).exists():
        print("souk: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    reexec_in_netns()
    out = asyncio.run(_run(args, settings))
    print(json.dumps(out))
    return 0 if not out.get("errors") else 1


async def _run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    import httpx
    from playwright.async_api import async_playwright

    from souk.bench.connect import free_port, wait_up
    from souk.cli.server import seed_and_key

    tmp = tempfile.TemporaryDirectory(prefix="souk-bench-consult-")
    data = Path(tmp.name)
    settings = settings.model_copy(update={"data_dir": str(data), "database_url": "", "demo": True})
    await seed_and_key(settings)
    port = free_port()
    env = {**os.environ, "SOUK_DATA_DIR": str(data), "SOUK_DEMO": "true", "SOUK_LOG_LEVEL": "WARNING"}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "souk.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"
    ring_ms: list[float] = []
    media_ms: list[float] = []
    errors: list[str] = []
    phases: dict[str, list[float]] = {}
    traces: list[dict[str, float]] = []  # each round's steps, for the slowest rounds
    warm = {"shopper": 0, "seller": 0}  # rounds with that side's warm connection up before the click
    try:
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            await wait_up(http, server)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            bar = progress("consult bench", total=args.rounds, quiet=args.json)  # stderr, on a terminal only
            try:
                for _ in range(args.rounds):
                    bar.advance(label=f"{len(errors)} failed" if errors else "")
                    try:
                        ring, media, marks = await _round(browser, base, args.ring_ms / 1000)
                        ring_ms.append(ring)
                        media_ms.append(media)
                        traces.append({"accept_to_both_video_ms": media, **marks})
                        for side, was in warm_sides(marks).items():
                            warm[side] += int(was)
                        for name, at in marks.items():
                            phases.setdefault(name, []).append(at)
                    except Exception as exc:  # one failed round is reported, the bench goes on  # noqa: BLE001
                        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                        ring_ms.append(TIMEOUT_MS)  # counted at the timeout in every percentile
                        media_ms.append(TIMEOUT_MS)
            finally:
                bar.close()
                await browser.close()
    finally:
        if server.returncode is None:
            server.terminate()
            await server.wait()
        tmp.cleanup()
    out: dict[str, Any] = {
        "rounds": args.rounds, "ok": len(media_ms) - len(errors), "failed": len(errors),
        "accept_to_both_video_p50_ms": percentile(media_ms, 0.5), "accept_to_both_video_p95_ms": percentile(media_ms, 0.95),
        "accept_to_both_video_max_ms": round(max(media_ms), 1) if media_ms else None,
        "call_to_ring_p50_ms": percentile(ring_ms, 0.5), "call_to_ring_p95_ms": percentile(ring_ms, 0.95),
        "after_accept_p50_ms": dict(sorted(((k, percentile(v, 0.5)) for k, v in phases.items()),
                                           key=lambda kv: kv[1] or 0)),
        "ring_ms": args.ring_ms, "warm_at_accept": warm,
        "slowest_rounds": sorted(traces, key=lambda t: -t["accept_to_both_video_ms"])[:3],
        "measured": "Chromium <-> Janus <-> Chromium on one host (loopback veth), fake 640x360 camera",
        "cpu_cores": os.cpu_count(),
        "percentiles": f"nearest rank; a failed round counts as {TIMEOUT_MS} ms",
    }
    if errors:
        out["errors"] = errors[:10]
    return out


async def _round(browser: Any, base: str, ring_s: float) -> tuple[float, float, dict[str, float]]:
    seller_ctx = await browser.new_context()
    shopper_ctx = await browser.new_context()
    try:
        seller = await seller_ctx.new_page()
        shopper = await shopper_ctx.new_page()
        await seller.goto(f"{base}/console")
        await seller.wait_for_selector("#console-status.online", timeout=TIMEOUT_MS)
        await shopper.goto(f"{base}/shop/{demo_product_sku()}")
        t_call = time.time() * 1000
        await shopper.click("#call-btn")
        accept = seller.locator("#incoming li.ringing button.accept")
        await accept.wait_for(timeout=TIMEOUT_MS)
        t_ring = time.time() * 1000
        media, phases = await accept_and_time(seller, shopper, accept, ring_s)
        await shopper.click("#hangup-btn")
        await seller.wait_for_function("() => window.soukConsole.call === null", timeout=TIMEOUT_MS)
        return t_ring - t_call, media, phases
    finally:
        await seller_ctx.close()
        await shopper_ctx.close()


async def accept_and_time(seller: Any, shopper: Any, accept: Any, ring_s: float,
                          timeout_ms: float = TIMEOUT_MS) -> tuple[float, dict[str, float]]:
    """Let it ring ``ring_s`` (the ring is showing), click ``accept`` on the console and wait until both pages
    decode the other's video (or hear the other where the SDK's weak-link adapter took the video away before a
    frame came: ``window.__audioOnly`` is then true on that page). Returns (accept -> both decoding in ms, each step in ms relative to the accept
    as the console saw it: ``seller_*`` / ``shopper_*`` page marks, first frames, receiving connections up;
    negative: done before the click)."""
    await asyncio.sleep(ring_s)
    await seller.evaluate(FIRST_FRAME_PROBE, "soukConsole")
    await shopper.evaluate(FIRST_FRAME_PROBE, "soukCall")
    t_accept = time.time() * 1000
    await accept.click()
    marks, up = [], []
    for page in (seller, shopper):
        await page.wait_for_function("() => window.__firstFrame !== null", timeout=timeout_ms, polling=20)
        marks.append(float(await page.evaluate("() => window.__firstFrame")))
        up.append(float(await page.evaluate("() => window.__subUp || window.__firstFrame")))
    seller_marks = await seller.evaluate("() => window.soukConsole.marks || {}")
    t0 = float(seller_marks.get("accept", t_accept))  # the click as the page saw it
    phases = {f"seller_{k}": round(v - t0, 1) for k, v in seller_marks.items() if k != "accept"}
    phases.update({f"shopper_{k}": round(v - t0, 1) for k, v in
                   (await shopper.evaluate("() => window.soukCall.marks || {}")).items() if k != "ringing"})
    phases.update({"seller_first_frame": marks[0] - t0, "shopper_first_frame": marks[1] - t0,
                   "seller_receiving_up": max(0.0, up[0] - t0), "shopper_receiving_up": max(0.0, up[1] - t0)})
    return max(marks) - t0, phases


def warm_sides(phases: dict[str, float]) -> dict[str, bool]:
    """Which side had its warm receiving connection up before the accept (its mark is negative)."""
    return {"shopper": phases.get("shopper_warm", 1.0) < 0, "seller": phases.get("seller_prep_warm", 1.0) < 0}
