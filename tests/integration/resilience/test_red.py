"""RFC 2198 audio redundancy (RED) end to end through Janus 1.1.2's VideoRoom (sdk/red.js, souk.signal.red,
docs/resilience.md): in a consult room both Chromium pages publish RED on payload type 111 over Opus, Janus
relays it as its "opus" 111 untouched, and each subscription declares 111 as RED. On a 30 % random loss link
(the shopper's, both ways) the listener then rebuilds most lost packets from the next one: far less audio is
concealed than is lost, both ways (two redundant copies per packet: sdk/red.js addCopies). Without RED (``publish({ red: false })``) the concealed share follows the
loss (Opus in-band FEC alone rebuilds little: docs/resilience.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from souk.bench.linkem.profile import LinkProfile
from tests.integration.resilience.call import Call, call

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.timeout(180)]

# the SDPs as each page's PeerConnections hold them, and the receiving audio's counters
AUDIO = """async () => {
  const { hasRed } = await import("/static/sdk/red.js");
  const r = window.__r;
  const sub = [...r.subs.values()][0];
  const out = { rebuilt: r.pub.redStats?.rebuilt || 0, pubRed: r.pub.red, pubLocal: hasRed(r.pub.pc.localDescription.sdp),
    pubRemote: hasRed(r.pub.pc.remoteDescription.sdp), subRemote: hasRed(sub.pc.remoteDescription.sdp),
    subLocal: hasRed(sub.pc.localDescription.sdp), subRed: !!sub.red, received: 0, lost: 0, concealed: 0,
    samples: 0, codecs: [], sentBytes: 0, sent: 0 };
  (await sub.pc.getStats()).forEach((x) => {
    if (x.type === "inbound-rtp" && x.kind === "audio") {
      out.received += x.packetsReceived || 0; out.lost += Math.max(0, x.packetsLost || 0);
      out.concealed += x.concealedSamples || 0; out.samples += x.totalSamplesReceived || 0;
    }
    if (x.type === "codec") out.codecs.push(x.mimeType);
  });
  (await r.pub.pc.getStats()).forEach((x) => {
    if (x.type === "outbound-rtp" && x.kind === "audio") { out.sent += x.packetsSent || 0; out.sentBytes += x.bytesSent || 0; }
  });
  return out;
}"""


async def audio_over(c: Call, seconds: float) -> dict[str, dict[str, Any]]:
    """Each side's receiving audio over ``seconds`` of the call (counter deltas), and its SDP flags."""
    before = {n: await p.evaluate(AUDIO) for n, p in (("shopper", c.shopper), ("seller", c.seller))}
    await asyncio.sleep(seconds)
    out = {}
    for n, p in (("shopper", c.shopper), ("seller", c.seller)):
        after = await p.evaluate(AUDIO)
        d = {k: after[k] - before[n][k] for k in ("received", "lost", "concealed", "samples", "sent", "sentBytes",
                                                  "rebuilt")}
        d["lost_share"] = d["lost"] / max(1, d["lost"] + d["received"])
        d["concealed_share"] = d["concealed"] / max(1, d["samples"])
        d["bytes_per_packet"] = d["sentBytes"] / max(1, d["sent"])
        out[n] = {**after, **d}
    return out


CLEAN = LinkProfile.symmetric(rtt_ms=100, seed=7)
LINK = LinkProfile.symmetric(rtt_ms=100, loss=0.30, seed=7)


async def lossy(c: Call) -> None:
    """The call came up on the clean link; now 30 % random loss both ways (video goes audio-only there)."""
    assert c.link is not None
    await c.link.set(LINK)
    await asyncio.sleep(1.0)


async def test_red_through_janus_rebuilds_most_lost_audio_at_30pct_loss(tmp_path: Path) -> None:
    async with call(tmp_path, link=CLEAN) as c:
        await lossy(c)
        got = await audio_over(c, 8.0)
    print(f"\nRED on: {got}")
    for side, a in got.items():
        # negotiated as designed: RED in the publisher's offer and (added back) Janus's answer, and read as
        # RED by the subscription; Janus itself was told plain Opus
        assert a["pubRed"] and a["pubLocal"] and a["pubRemote"], (side, a)
        assert a["subRed"] and a["subRemote"] and a["subLocal"], (side, a)
        assert a["received"] > 150 and a["samples"] > 0, (side, a)  # audio flowed and was played out
    # the shopper's link lost about 30 % each way: what each listener lost from the wire...
    for side in ("shopper", "seller"):
        assert got[side]["lost_share"] > 0.15, got[side]
        # ...is rebuilt from the next two packets' redundant copies: only three in a row lost (2.7 % at 30 %
        # random loss) are concealed, against about the loss itself without RED (test below)
        assert got[side]["concealed_share"] < 0.25 * got[side]["lost_share"], got[side]
        # each published RED payload was rebuilt with two copies (sdk/red.js addCopies): three frames a packet
        assert got[side]["rebuilt"] > 0.9 * got[side]["sent"], got[side]
    assert got["shopper"]["bytes_per_packet"] > 2.5 * 45, got["shopper"]


@pytest.mark.slow
async def test_without_red_the_concealed_share_follows_the_loss(tmp_path: Path) -> None:
    async with call(tmp_path, link=CLEAN, red=False) as c:
        await lossy(c)
        got = await audio_over(c, 8.0)
    print(f"\nRED off: {got}")
    for side in ("shopper", "seller"):
        a = got[side]
        assert not a["pubRed"] and not a["subRed"] and not a["subRemote"], a
        assert a["lost_share"] > 0.15 and a["concealed_share"] > 0.5 * a["lost_share"], a
