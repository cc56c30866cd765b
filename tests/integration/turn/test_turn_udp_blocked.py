"""A shopper whose network drops all UDP still calls through Souk's embedded coturn, over TCP or TLS.

Headless Chromium runs in a second network namespace where nftables drops every UDP packet
(shopper_ns.py); Souk, its embedded Janus and its embedded coturn run in the test's namespace. The page
uses the SDK as a shop page does: connect (the welcome carries this token's TURN credentials), join a
consult room, publish the fake camera, auto-subscribe to the seller. The seller is an aiortc bot beside
Janus. Checked: UDP from the shopper really is dropped (a STUN ping over UDP fails, over TCP it answers),
the shopper decodes the seller's video and the seller's bot decodes the shopper's, and both of the
shopper's PeerConnections run on a relay candidate over TCP or TLS: the browser fell back by itself.

Run alone: python -m souk.media.netns run --fallback -- .venv/bin/python -m pytest -q -s \
    tests/integration/turn/test_turn_udp_blocked.py
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient
from souk.media.types import Jsep
from tests.fixtures.browser import CHROMIUM_ARGS, CORE_FEATURES, bearer, need_media, running_souk
from tests.integration.turn.coturn import need_coturn
from tests.integration.turn.shopper_ns import T_ADDR, ShopperNs, udp_blocked_shopper

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.timeout(120)]

ROOM = "turn-e2e"

# in the shopper's page: the SDK, joined and publishing; window.__r is the room
START = """async ([token, room]) => {
  const souk = await import("/static/sdk/souk.js");
  const client = await souk.connect({ token });
  const r = await client.join(room);
  window.__errors = [];
  r.on("error", (e) => window.__errors.push(e.code || String(e)));
  await r.publish({ audio: true, video: true });
  window.__r = r;
  return client.welcome.ice_servers.map((s) => s.urls);
}"""

# frames decoded from subscriptions, and for each PeerConnection the selected pair's local candidate
STATS = """async () => {
  const r = window.__r;
  const out = { decoded: 0, pcs: [], errors: window.__errors };
  const pcs = [["pub", r.pub.pc], ...[...r.subs.values()].map((s) => ["sub", s.pc])];
  for (const [name, pc] of pcs) {
    const stats = await pc.getStats();
    let pairId = null;
    stats.forEach((x) => { if (x.type === "transport" && x.selectedCandidatePairId) pairId = x.selectedCandidatePairId; });
    const pair = pairId && stats.get(pairId);
    const local = pair && stats.get(pair.localCandidateId);
    stats.forEach((x) => { if (name === "sub" && x.type === "inbound-rtp" && x.kind === "video") out.decoded += x.framesDecoded || 0; });
    out.pcs.push({ name, state: pc.connectionState, type: local && local.candidateType,
                   relayProtocol: local && local.relayProtocol, protocol: local && local.protocol });
  }
  return out;
}"""


def _need_everything() -> None:
    need_media(browser=True)
    need_coturn()


async def _udp_is_blocked(ns: ShopperNs, port: int) -> None:
    probe = ("import asyncio, sys; from souk.media.turn import stun_ping; "
             f"asyncio.run(stun_ping({T_ADDR!r}, {port}, tcp=sys.argv[1] == 'tcp', timeout=1.5))")
    udp = await asyncio.to_thread(ns.run, sys.executable, "-c", probe, "udp", check=False)
    tcp = await asyncio.to_thread(ns.run, sys.executable, "-c", probe, "tcp", check=False)
    assert udp.returncode != 0 and "did not answer" in udp.stderr, udp.stderr[-500:]
    assert tcp.returncode == 0, tcp.stderr[-500:]


async def _seller(base: str, ws_url: str, token: str, api_key: str) -> tuple[SignalClient, PublisherBot]:
    async with httpx.AsyncClient(base_url=base, headers=bearer(api_key)) as http:
        r = await http.post("/v1/rooms", json={"kind": "consult", "room_id": ROOM})
        assert r.status_code in (200, 201), r.text
    seller = await SignalClient.connect(ws_url, token)
    await seller.request({"type": "join", "room": ROOM, "subscribe": False})
    bot = PublisherBot()
    reply = await seller.request({"type": "publish", "sdp": (await bot.offer()).sdp})
    await bot.accept(Jsep("answer", reply["sdp"]))
    return seller, bot


@pytest.mark.parametrize("transports", [["udp", "tcp", "tls"], ["tls"]], ids=["all-advertised", "tls-only"])
async def test_shopper_without_udp_calls_through_turn(tmp_path: Path, transports: list[str]) -> None:
    _need_everything()
    from playwright.async_api import async_playwright

    async with udp_blocked_shopper(tmp_path / "shopper") as ns:
        # coturn listens where the shopper can reach it and relays from Janus's address (vA, 127.0.0.2)
        turn = {"listen_ip": T_ADDR, "relay_ip": "127.0.0.2", "transports": transports}
        async with running_souk(tmp_path / "souk", media=True, features=CORE_FEATURES, turn=turn,
                                also_on=(T_ADDR,)) as s:
            relay = s.ctx.turn
            assert relay is not None and all(T_ADDR in u for u in relay.urls)
            port = int(s.base_url.rsplit(":", 1)[1])
            if "udp" in transports:
                await _udp_is_blocked(ns, int(relay.urls[0].rsplit(":", 1)[1].split("?")[0]))
            origin = f"http://{T_ADDR}:{port}"
            def mint(identity: str, role: str) -> str:
                return str(s.ctx.tokens.mint(merchant_id=s.merchant_id, identity=identity, room=ROOM, role=role))

            seller, bot = await _seller(s.base_url, s.ws_url, mint("seller", "host"), s.api_key)
            sub_bot = SubscriberBot()
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(
                        executable_path=str(ns.chromium),
                        args=[*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={origin}",
                              # Chromium verifies a turns: server's certificate: trust Souk's own, only it
                              f"--ignore-certificate-errors-spki-list={_spki(s.settings.data_path)}"])
                    try:
                        page = await (await browser.new_context()).new_page()
                        await page.goto(f"{origin}/static/sdk/souk.js")
                        urls = await page.evaluate(START, [mint("shopper-1", "member"), ROOM])
                        assert [u.split(":")[0] for u in urls] == ["turns" if t == "tls" else "turn"
                                                                  for t in transports]
                        try:
                            stats = await _wait_decoding(page)
                        except AssertionError:
                            print((s.settings.data_path / "turn" / "turnserver.log").read_text()[-3000:])
                            raise
                        offer = await seller.request({"type": "subscribe", "feed": "shopper-1"})
                        answer = await sub_bot.answer(Jsep("offer", offer["sdp"]))
                        await seller.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
                        await sub_bot.wait_frames(5, timeout=20)  # the shopper's camera, relayed
                        stats = await page.evaluate(STATS)
                    finally:
                        await browser.close()
            finally:
                await sub_bot.aclose()
                await bot.aclose()
                await seller.aclose()
    print(f"\nUDP blocked, advertised {transports}: {stats['pcs']}")
    assert stats["errors"] == []
    assert {p["name"] for p in stats["pcs"]} == {"pub", "sub"}
    for p in stats["pcs"]:
        assert p["state"] == "connected" and p["type"] == "relay", p
        assert p["relayProtocol"] in ({"tls"} if transports == ["tls"] else {"tcp", "tls"}), p


def _spki(data_path: Path) -> str:
    """base64 SHA-256 of the public key of the self-signed certificate Souk made for coturn."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate((data_path / "turn" / "tls-cert.pem").read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


async def _wait_decoding(page: Any, frames: int = 10, timeout: float = 30.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    stats: dict[str, Any] = {}
    while asyncio.get_running_loop().time() < deadline:
        stats = await page.evaluate(STATS)
        if stats["decoded"] >= frames:
            return stats
        await asyncio.sleep(0.2)
    raise AssertionError(f"the shopper decoded {stats.get('decoded')} frames in {timeout}s: {stats}")
