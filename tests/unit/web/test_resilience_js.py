"""The SDK's weak-link parts, run with node (skipped without it): the Opus FEC/DTX SDP rewrite and the feature
reader (sdk/resilience.js), the layer policy's hysteresis on a fake clock and the stats it reads
(sdk/layers.js), and the ICE restarter over a fake PeerConnection."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

CHROMIUM_LINES = (
    "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9", "a=ice-ufrag:abcd", "a=mid:0",
    "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc", "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111", "a=rtpmap:9 G722/8000",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "a=mid:1",
    "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 ccm fir",
    "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96", "",
)
CHROMIUM_OFFER = "\r\n".join(CHROMIUM_LINES)


def run(module: str, body: str, **values: Any) -> Any:
    consts = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
    return run_module(f"sdk/{module}", body, after_import=consts)


# ---------------------------------------------------------------- SDP


def test_opus_gets_fec_and_dtx_and_nothing_else_changes() -> None:
    got = run("resilience.js", "const s = m.opusResilient(sdp); return { s, f: m.sdpFeatures(s), before: m.sdpFeatures(sdp) };",
              sdp=CHROMIUM_OFFER)
    lines = got["s"].split("\r\n")
    assert "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1" in lines
    assert "a=fmtp:63 111/111" in lines  # RED's fmtp is not Opus's
    assert [x for x in lines if not x.startswith("a=fmtp:111")] == \
        [x for x in CHROMIUM_OFFER.split("\r\n") if not x.startswith("a=fmtp:111")]
    assert got["before"]["audio"] == {"fec": True, "dtx": False}
    assert got["f"]["audio"] == {"fec": True, "dtx": True}
    assert got["f"]["video"] == {"nack": True, "pli": True, "rtx": True, "twcc": True}
    assert got["f"]["ufrag"] == "abcd"


def test_an_opus_payload_without_fmtp_gets_one_and_settings_are_overridden() -> None:
    sdp = CHROMIUM_OFFER.replace("a=fmtp:111 minptime=10;useinbandfec=1\r\n", "")
    got = run("resilience.js", "return [m.opusResilient(sdp), m.opusResilient(sdp2)];", sdp=sdp,
              sdp2=CHROMIUM_OFFER.replace("useinbandfec=1", "useinbandfec=0;usedtx=0"))
    assert "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1;usedtx=1\r\n" in got[0]
    assert "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n" in got[1]
    plain = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
    assert run("resilience.js", "return m.opusResilient(p);", p=plain) == plain


def test_features_see_what_is_missing() -> None:
    sdp = CHROMIUM_OFFER.replace("a=rtcp-fb:96 nack\r\n", "").replace("a=fmtp:97 apt=96\r\n", "")
    got = run("resilience.js", "return m.sdpFeatures(sdp);", sdp=sdp)
    assert got["video"] == {"nack": False, "pli": True, "rtx": False, "twcc": True}
    assert got["audio"] == {"fec": True, "dtx": False}


# ---------------------------------------------------------------- layer policy

POLICY_RUN = """
const p = new m.LayerPolicy({ layers, now: 0, ...(opts || {}) });
const out = [];
for (const [t, s] of samples) {
  const c = p.sample({ t, availableKbps: null, lossPct: 0, freezes: 0, audioPackets: 50, audioLossPct: 0, ...s });
  if (c) out.push([t, c.layer, c.video, c.reason.split(":")[0]]);
}
return { out, holdMs: p.holdMs };
"""


def policy(samples: list[tuple[int, dict[str, Any]]], layers: int = 3, opts: dict[str, Any] | None = None) -> Any:
    return run("layers.js", POLICY_RUN, samples=samples, layers=layers, opts=opts)


def every_s(start: int, end: int, **s: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(t, dict(s)) for t in range(start, end, 1000)]


def test_one_bad_second_changes_nothing_two_step_down_once_settled() -> None:
    got = policy([(3000, {"lossPct": 20}), (4000, {}), (5000, {"lossPct": 20}), (6000, {"lossPct": 20})])
    assert got["out"] == [[6000, 1, True, "down"]]
    # within the settle time of the last change nothing moves, however bad
    got = policy(every_s(1000, 2500, lossPct=30))
    assert got["out"] == []


def test_freezes_alone_step_down_but_never_stop_the_video() -> None:
    got = policy(every_s(3000, 30000, freezes=1))
    assert [x[1:3] for x in got["out"]] == [[1, True], [0, True]]


def test_heavy_loss_at_the_lowest_layer_stops_video_then_clean_audio_resumes_it() -> None:
    samples = every_s(3000, 20000, lossPct=40) + every_s(20000, 40000, audioLossPct=0.5)
    got = policy(samples)
    assert [x[1:] for x in got["out"]] == [[1, True, "down"], [0, True, "down"], [0, False, "audio only"],
                                           [0, True, "video resumed"], [1, True, "up"], [2, True, "up"]]
    resumed = next(x for x in got["out"] if x[3] == "video resumed")[0]
    off = next(x for x in got["out"] if x[3] == "audio only")[0]
    assert resumed - off >= 8000  # resumeHoldMs of clean audio


def test_lossy_audio_keeps_the_video_off() -> None:
    got = policy(every_s(3000, 12000, lossPct=40) + every_s(12000, 40000, audioLossPct=10))
    assert got["out"][-1][1:3] == [0, False]


def test_an_upgrade_that_fails_doubles_the_next_hold() -> None:
    # at layer 1 after a loss; clean 6 s -> up to 2; loss again at once -> down, next hold 12 s
    samples = (every_s(3000, 5000, lossPct=20) + every_s(5000, 12000) + every_s(12000, 16000, lossPct=20)
               + every_s(16000, 45000))
    got = policy(samples)
    steps = [(x[0], x[1]) for x in got["out"]]
    assert steps[:3] == [(4000, 1), (11000, 2), (14000, 1)], steps
    assert steps[3][0] - 16000 >= 12000 - 1000, steps  # waited the doubled hold before trying again
    # a step up that holds past the fail window brings the hold back to the usual 6 s
    assert got["holdMs"] == 6000


def test_available_bandwidth_jumps_to_the_layer_that_fits() -> None:
    got = policy([(3000, {"availableKbps": 200}), (4000, {"availableKbps": 200})])
    assert got["out"] == [[4000, 0, True, "down"]]
    # clean, and room for layer 1 (400 kbps x 1.3 headroom) but not for layer 2: up once after the hold
    got = policy(every_s(3000, 20000, availableKbps=600), opts={"start": 0})
    assert [x[1] for x in got["out"]] == [1]


def test_a_feed_without_simulcast_only_stops_and_resumes_video() -> None:
    got = policy(every_s(3000, 12000, lossPct=40) + every_s(12000, 40000), layers=1)
    assert [x[1:3] for x in got["out"]] == [[0, False], [0, True]]


def test_link_sample_from_two_getstats_snapshots() -> None:
    got = run("layers.js", """
      const stats = (vb, vp, vl, fz, ap, al, avail) => new Map([
        ["v", { type: "inbound-rtp", kind: "video", bytesReceived: vb, packetsReceived: vp, packetsLost: vl, freezeCount: fz }],
        ["a", { type: "inbound-rtp", kind: "audio", packetsReceived: ap, packetsLost: al }],
        ["p", { type: "candidate-pair", nominated: true, state: "succeeded", availableIncomingBitrate: avail }]]);
      const a = m.snapshot(stats(1000, 100, 0, 1, 50, 0, 900000), 0);
      const b = m.snapshot(stats(51000, 180, 20, 2, 100, 0, 300000), 2000);
      return m.linkSample(a, b);
    """)
    assert got["videoKbps"] == 200.0  # 50 kB in 2 s
    assert got["lossPct"] == pytest.approx(100 * 20 / 150)
    assert got["videoLossPct"] == 20.0 and got["audioLossPct"] == 0
    assert got["freezes"] == 1 and got["availableKbps"] == 300.0


# ---------------------------------------------------------------- ICE restarter

RESTART_RUN = """
class FakePc extends EventTarget {
  constructor() { super(); this.iceConnectionState = "connected"; }
  set(state) { this.iceConnectionState = state; this.dispatchEvent(new Event("iceconnectionstatechange")); }
}
const pc = new FakePc();
const events = [];
let calls = 0;
const room = { emit: (e, m) => events.push([e, m.target, m.code || null]) };
const restart = async (rm, target, p) => { calls += 1; if (calls <= failures) throw Object.assign(new Error("x"), { code: "timeout" });
                                           setTimeout(() => p.set("connected"), 10); };
const r = new m.IceRestarter(room, { graceMs: 50, restart });
r.watch(pc, "sub_1");
const wait = (ms) => new Promise((res) => setTimeout(res, ms));
pc.set("disconnected"); await wait(20); pc.set("connected"); await wait(80);  // back within the grace: nothing
const quiet = calls;
pc.set(first);
await wait(waitMs);
r.stop();
return { quiet, calls, events };
"""


def test_a_blip_within_the_grace_restarts_nothing_a_lasting_drop_restarts_once() -> None:
    got = run("resilience.js", RESTART_RUN, first="disconnected", failures=0, waitMs=300)
    assert got["quiet"] == 0
    assert got["calls"] == 1
    assert got["events"] == [["ice.restart", "sub_1", None], ["ice.restarted", "sub_1", None]]


def test_failed_restarts_are_retried_with_backoff() -> None:
    got = run("resilience.js", RESTART_RUN, first="failed", failures=1, waitMs=1500)
    assert got["calls"] == 2  # the first try failed, the second (after 1 s) worked
    assert [e[0] for e in got["events"]] == ["ice.restart", "ice.restart", "ice.restarted"]


def test_a_publishers_video_goes_in_three_temporal_layers_unless_told_otherwise() -> None:
    got = run("resilience.js", "return [m.temporalLayers(), m.temporalLayers(2), m.temporalLayers(1) ?? null, "
              "m.temporalLayers(9), m.temporalLayers('x') ?? null];")
    assert got == [[{"scalabilityMode": "L1T3"}], [{"scalabilityMode": "L1T2"}], None, [{"scalabilityMode": "L1T3"}],
                   None]


def test_a_subscriber_offer_is_taken_the_same_way_when_made_and_at_each_restart() -> None:
    """subscriberOffer: the video out of lip sync unless the subscription keeps it, and 111 declared RED for a
    RED feed; souk.js (a new subscription) and restartInPlace (an ICE restart) both take offers through it."""
    lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
             "a=mid:0", "a=msid:janus janusa", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 useinbandfec=1;usedtx=1",
             "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1", "a=msid:janus janusv", "a=rtpmap:96 VP8/90000", ""]
    janus = "\r\n".join(lines)
    got = run("resilience.js", """
      const plain = m.subscriberOffer(sdp, { lipSync: true, red: false });
      const apart = m.subscriberOffer(sdp, { lipSync: false, red: null });
      const red = m.subscriberOffer(sdp, { lipSync: false, red: true });
      return { plain, apart, red: { sdp: red.sdp, opus: red.red && red.red.opus } };""", sdp=janus)
    assert got["plain"] == {"sdp": janus, "red": None}
    assert "a=msid:janus-video janusv" in got["apart"]["sdp"].split("\r\n") and got["apart"]["red"] is None
    assert "a=msid:janus janusa" in got["apart"]["sdp"].split("\r\n")
    lines = got["red"]["sdp"].split("\r\n")
    assert "a=msid:janus-video janusv" in lines and "a=rtpmap:111 red/48000/2" in lines and got["red"]["opus"]
