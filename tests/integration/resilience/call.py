"""A 1v1 call in two real Chromium pages through Souk's embedded Janus, for the resilience tests.

The seller's page runs beside Souk; the shopper's page runs either beside it too or, given a link profile, in
the shopper namespace of an emulated link (souk.bench.linkem): its page, signaling socket and media all cross
the link. Both pages use the browser SDK as a shop page does (connect, join the consult room, publish the fake
camera, auto-subscribe to the other side) and record the SDK's resilience events in ``window.__ev``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from souk.bench.linkem.link import Link, open_link
from souk.bench.linkem.profile import LinkProfile
from tests.fixtures.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CORE_FEATURES,
    Souk,
    bearer,
    need_media,
    running_souk,
)
from tests.fixtures.linkem import need_link, next_index

ROOM = "resilience-1"

# joined and publishing; window.__r is the room, window.__ev the SDK events seen
START = """async ([token, room, simulcast, policy, red]) => {
  const souk = await import("/static/sdk/souk.js");
  window.__ev = [];
  const client = await souk.connect({ token });
  for (const e of ["reconnecting", "reconnected", "close"]) client.on(e, (m) => window.__ev.push({ e, t: performance.now() }));
  const r = await client.join(room);
  r.on("track", ({ participant, stream }) => {  // played out as a page does (audio is decoded only when played)
    let el = document.getElementById(`m-${participant}`);
    if (!el) { el = document.createElement("video"); el.id = `m-${participant}`; el.autoplay = true; document.body.append(el); }
    if (el.srcObject !== stream) { el.srcObject = stream; el.play().catch(() => {}); }
  });
  if (policy && r._adapter) r._adapter.policyOpts = policy;
  for (const e of ["adapt", "playout", "keyframe", "ice.restart", "ice.restarted", "ice.restart.failed", "media.reset",
                   "track.ended", "error"]) {
    r.on(e, (m) => window.__ev.push({ e, t: performance.now(), ...(m && typeof m === "object" ? m : { m: String(m) }),
                                       code: m && m.code }));
  }
  await r.publish({ audio: true, video: true, simulcast, red });
  window.__r = r;
  return client.welcome.identity;
}"""

# per subscription: ids, decoded video (frames, width), audio packets; ICE states; the SDPs' ufrags
STATE = """async () => {
  const r = window.__r;
  const subs = [];
  for (const s of r.subs.values()) {
    const out = { id: s.id, participant: s.participant, layer: s.layer ?? null, video: s.video !== false,
                  ice: s.pc.iceConnectionState, frames: 0, width: 0, videoPackets: 0, audioPackets: 0,
                  localUfrag: /a=ice-ufrag:(\\S+)/.exec(s.pc.localDescription?.sdp || "")?.[1] || null,
                  remoteUfrag: /a=ice-ufrag:(\\S+)/.exec(s.pc.remoteDescription?.sdp || "")?.[1] || null };
    (await s.pc.getStats()).forEach((x) => {
      if (x.type !== "inbound-rtp") return;
      if (x.kind === "video") { out.frames += x.framesDecoded || 0; out.width = x.frameWidth || out.width;
                                out.videoPackets += x.packetsReceived || 0; }
      if (x.kind === "audio") out.audioPackets += x.packetsReceived || 0;
    });
    subs.push(out);
  }
  const pc = r.pub && r.pub.pc;
  return { subs, events: window.__ev, now: performance.now(),
           pub: pc ? { ice: pc.iceConnectionState,
                       localUfrag: /a=ice-ufrag:(\\S+)/.exec(pc.localDescription?.sdp || "")?.[1] || null,
                       remoteUfrag: /a=ice-ufrag:(\\S+)/.exec(pc.remoteDescription?.sdp || "")?.[1] || null } : null };
}"""


@dataclass
class Call:
    souk: Souk
    seller: Any  # Playwright pages
    shopper: Any
    link: Link | None

    async def state(self, page: Any) -> dict[str, Any]:
        out: dict[str, Any] = await page.evaluate(STATE)
        return out

    async def sub(self, page: Any) -> dict[str, Any]:
        """The page's one subscription (to the other side)."""
        st = await self.state(page)
        assert len(st["subs"]) == 1, st
        sub: dict[str, Any] = st["subs"][0]
        return sub

    async def until(self, page: Any, check: Any, what: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll the page's state until ``check(state)`` is true."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        st: dict[str, Any] = {}
        while loop.time() < deadline:
            st = await self.state(page)
            if check(st):
                return st
            await asyncio.sleep(0.25)
        raise AssertionError(f"{what}: not within {timeout}s: {st}")

    async def decoding(self, page: Any, more_than: int = 0, timeout: float = 30.0) -> dict[str, Any]:
        st = await self.until(page, lambda s: len(s["subs"]) == 1 and s["subs"][0]["frames"] > more_than + 10,
                              f"decoding over {more_than + 10} frames", timeout)
        sub: dict[str, Any] = st["subs"][0]
        return sub


@asynccontextmanager
async def call(tmp_path: Path, *, link: LinkProfile | None = None, seller_simulcast: bool = False,
               policy: dict[str, Any] | None = None, red: bool = True) -> AsyncIterator[Call]:
    """Seller (beside Souk) and shopper (beside Souk, or behind ``link``) in one consult room, both publishing
    and each decoding the other. ``red``: publish audio with RFC 2198 RED where the room allows it
    (sdk/red.js)."""
    need_media(browser=True)
    if link is not None:
        need_link()
    from playwright.async_api import async_playwright

    async with AsyncExitStack() as stack:
        lk = await stack.enter_async_context(open_link(link, index=next_index())) if link is not None else None
        janus = {"ice_enforce_list": f"vA,{lk.info.core_dev}"} if lk is not None else {}
        souk = await stack.enter_async_context(running_souk(tmp_path / "souk", media=True, features=CORE_FEATURES,
                                                            janus=janus))
        port = int(souk.base_url.rsplit(":", 1)[1])
        async with httpx.AsyncClient(base_url=souk.base_url, headers=bearer(souk.api_key)) as http:
            r = await http.post("/v1/rooms", json={"kind": "consult", "room_id": ROOM})
            assert r.status_code in (200, 201), r.text
        pw = await stack.enter_async_context(async_playwright())
        seller_browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.push_async_callback(seller_browser.close)
        shopper_url = souk.base_url
        if lk is not None:
            await lk.expose_tcp(port)
            shopper_browser = await pw.chromium.launch(executable_path=str(lk.chromium_wrapper(tmp_path)),
                                                       args=CHROMIUM_ARGS + lk.chromium_args(port))
            stack.push_async_callback(shopper_browser.close)
            shopper_url = f"http://{lk.core_addr}:{port}"
        else:
            shopper_browser = seller_browser
        seller = await (await seller_browser.new_context()).new_page()
        shopper = await (await shopper_browser.new_context()).new_page()

        def mint(identity: str, role: str) -> str:
            return str(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=ROOM, role=role))

        logs: list[str] = []
        for name, page in (("seller", seller), ("shopper", shopper)):
            page.on("console", lambda msg, n=name: logs.append(f"{n} {msg.type}: {msg.text}"))
            page.on("pageerror", lambda e, n=name: logs.append(f"{n} pageerror: {e}"))
        await seller.goto(f"{souk.base_url}/static/sdk/souk.js")
        await shopper.goto(f"{shopper_url}/static/sdk/souk.js", timeout=30_000)
        try:
            await asyncio.wait_for(seller.evaluate(START, [mint("seller-1", "host"), ROOM, seller_simulcast, policy, red]), 30)
            await asyncio.wait_for(shopper.evaluate(START, [mint("shopper-1", "member"), ROOM, False, policy, red]), 30)
        except TimeoutError:
            raise AssertionError(f"a page did not join and publish in 30 s: {logs[-20:]}") from None
        c = Call(souk=souk, seller=seller, shopper=shopper, link=lk)
        await c.decoding(shopper)
        await c.decoding(seller)
        yield c
