"""What a real call negotiates for weak links: Opus in-band FEC and DTX both ways (the SDK's SDP and Janus's
opus_fec/opus_dtx), video NACK, PLI, RTX and transport-wide CC, read back from the four descriptions of a
Chromium call through Janus, and from the getStats of the running call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.resilience.call import call

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.timeout(120)]

FEATURES = """async () => {
  const { sdpFeatures } = await import("/static/sdk/resilience.js");
  const r = window.__r;
  const sub = [...r.subs.values()][0];
  const read = (d) => sdpFeatures(d.sdp);
  return { pubOffer: read(r.pub.pc.localDescription), pubAnswer: read(r.pub.pc.remoteDescription),
           subOffer: read(sub.pc.remoteDescription), subAnswer: read(sub.pc.localDescription) };
}"""

CODECS = """async () => {
  const r = window.__r;
  const out = {};
  for (const [name, pc] of [["pub", r.pub.pc], ["sub", [...r.subs.values()][0].pc]]) {
    const stats = await pc.getStats();
    out[name] = [];
    stats.forEach((s) => { if (s.type === "codec") out[name].push(`${s.mimeType} ${s.sdpFmtpLine || ""}`.trim()); });
  }
  return out;
}"""


async def test_a_call_negotiates_opus_fec_dtx_and_video_nack_rtx(tmp_path: Path) -> None:
    async with call(tmp_path) as c:
        for page in (c.shopper, c.seller):
            f: dict[str, Any] = await page.evaluate(FEATURES)
            for name, desc in f.items():
                # Opus FEC and DTX: what the SDK asks for and what Janus answers and offers
                assert desc["audio"] == {"fec": True, "dtx": True}, (name, desc)
                # video repair: NACK (Janus resends from its queue), PLI, transport-wide congestion control
                assert desc["video"]["nack"] and desc["video"]["pli"] and desc["video"]["twcc"], (name, desc)
            # RTX: Chromium offers it and Janus accepts it from the publisher and offers it to the subscriber
            assert f["pubOffer"]["video"]["rtx"] and f["pubAnswer"]["video"]["rtx"], f
            assert f["subOffer"]["video"]["rtx"] and f["subAnswer"]["video"]["rtx"], f
            codecs = await page.evaluate(CODECS)
            for name in ("pub", "sub"):  # the Opus codec the running call uses, both ways
                opus = [x for x in codecs[name] if x.startswith("audio/opus")]
                assert opus and all("useinbandfec=1" in x and "usedtx=1" in x for x in opus), codecs
