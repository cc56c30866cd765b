"""The SDK's playout side of a weak link (sdk/playout.js), run with node (skipped without it): the video
jitter-buffer target raised while a subscription repairs losses and handed back when the link is calm, the
stuck-picture watch that asks for a keyframe, and the adapter that applies both to a Room's subscriptions
(fake PeerConnections and a fake signaling client)."""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node


def run(body: str, **values: Any) -> Any:
    consts = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
    return run_module("sdk/playout.js", body, after_import=consts)


def policy(samples: list[dict[str, Any]], **opts: Any) -> list[Any]:
    """The target after each sample (None: unchanged) -> as a list, with "keep" for undefined."""
    return run("const p = new m.PlayoutPolicy(opts); return samples.map((s) => { const t = p.sample(s); "
               "return t === undefined ? 'keep' : t; });", samples=samples, opts=opts)


def clean(t: int, rtt: float = 150) -> dict[str, Any]:
    return {"t": t, "rttMs": rtt, "videoPackets": 60, "videoLost": 0, "nacks": 0}


def lossy(t: int, rtt: float = 150, lost: int = 3, nacks: int = 2) -> dict[str, Any]:
    return {"t": t, "rttMs": rtt, "videoPackets": 57, "videoLost": lost, "nacks": nacks}


def test_a_clean_link_keeps_the_browsers_own_buffer() -> None:
    assert policy([clean(t) for t in range(0, 20_000, 1_000)]) == ["keep"] * 20


def test_repair_raises_the_target_to_a_round_trip_and_a_margin_then_calm_hands_it_back() -> None:
    samples = [clean(0), lossy(1_000), lossy(2_000), *[clean(t) for t in range(3_000, 13_000, 1_000)]]
    got = policy(samples)
    assert got[0] == "keep"
    assert got[1] == 250  # 150 ms round trip + 100 ms margin
    assert got[2:12] == ["keep"] * 10  # calm for less than 10 s since the last repair (at 2 s): kept
    assert got[12] is None  # 10 s without repair: the browser's own buffer again


def test_nacks_alone_count_as_repair_and_the_floor_covers_a_repair_upstream() -> None:
    """A subscriber on a clean leg (2 ms) still waits for losses that Janus repairs on the publisher's leg."""
    got = policy([clean(0, rtt=2), {"t": 1_000, "rttMs": 2, "videoPackets": 60, "videoLost": 0, "nacks": 3}])
    assert got == ["keep", 150]


def test_the_target_follows_the_round_trip_up_at_once_down_only_by_a_clear_step_and_is_capped() -> None:
    got = policy([lossy(0, rtt=100), lossy(1_000, rtt=150), lossy(2_000, rtt=140), lossy(3_000, rtt=105),
                  lossy(4_000, rtt=150)], budgetMs=1000)
    assert got == [200, 250, "keep", 205, 250]
    assert policy([lossy(0, rtt=350)], budgetMs=10_000) == [400]  # never over maxMs


def test_the_round_trip_caps_the_hold_and_a_long_path_gets_none() -> None:
    """Network one way + hold <= budgetMs (325): 150 ms keeps its 250 ms hold, 200 ms gets 225 instead of 300,
    and from ~216 ms on no hold can cover a repair round trip within it: the voice is not delayed at all."""
    got = policy([lossy(0, rtt=150), lossy(1_000, rtt=200), lossy(2_000, rtt=180), lossy(3_000, rtt=260),
                  lossy(4_000, rtt=150), lossy(5_000, rtt=300)])
    assert got == [250, 225, "keep", None, 250, None]
    assert policy([lossy(0, rtt=300), lossy(1_000, rtt=300)]) == ["keep", "keep"]  # never raised at 300 ms


def test_heavy_loss_releases_the_target_so_audio_is_not_delayed_for_video_that_cannot_be_repaired() -> None:
    got = policy([lossy(0), lossy(1_000, lost=20), lossy(2_000)])
    assert got == [250, None, 250]


def test_no_rtt_yet_uses_a_default_and_a_sample_without_one_keeps_the_last() -> None:
    assert policy([{"t": 0, "rttMs": None, "videoPackets": 50, "videoLost": 2, "nacks": 1}]) == [250]
    # a report without the pair's round trip does not swing the hold to the default and back
    assert policy([lossy(0, rtt=2), {**lossy(1_000), "rttMs": None}, lossy(2_000, rtt=2)]) == [150, "keep", "keep"]
    # decoupled: the cap until a round trip is measured, then the hold it needs
    assert policy([{**lossy(0), "rttMs": None}, lossy(1_000, rtt=50)], decoupled=True) == [700, 350]


def test_a_stuck_picture_asks_for_a_keyframe_once_per_hold() -> None:
    """Packets arrive but no frame is decoded for 250 ms + the round trip: ask; not again within 1 s."""
    got = run("""
      const w = new m.StallWatch();
      const out = [];
      for (let t = 0; t <= 3000; t += 250) {
        const decoded = t < 500 ? t / 50 : 10;           // decoding until 500 ms, then stuck
        out.push([t, w.check({ t, framesDecoded: decoded, videoPackets: t, rttMs: 100 })]);
      }
      return out.filter(([, ask]) => ask).map(([t]) => t);""")
    assert got == [1000, 2000, 3000]  # stuck since 500 (decoded 10 at 500): 500 + 250 + 100 <= 1000; then every 1 s


def test_no_keyframe_while_no_packets_arrive_or_before_the_first_frame() -> None:
    got = run("""
      const a = new m.StallWatch(), b = new m.StallWatch();
      const out = [];
      for (let t = 0; t <= 3000; t += 250) {
        out.push(a.check({ t, framesDecoded: 10, videoPackets: 500, rttMs: 0 }));  // paused: nothing arrives
        out.push(b.check({ t, framesDecoded: 0, videoPackets: t, rttMs: 0 }));     // not started yet
      }
      return out.some(Boolean);""")
    assert got is False


ADAPTER = """
  globalThis.performance = { now: () => clock.t };
  const clock = { t: 0 };
  const stats = (video) => new Map([
    ["v", { type: "inbound-rtp", kind: "video", ...video }],
    ["p", { type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: 0.15 }],
  ]);
  const receiver = { track: { kind: "video" }, jitterBufferTarget: null };
  const audioReceiver = { track: { kind: "audio" }, jitterBufferTarget: null };
  const video = { packetsReceived: 0, packetsLost: 0, nackCount: 0, framesDecoded: 0 };
  const pc = { connectionState: "connected", getStats: async () => stats(video),
               getReceivers: () => [receiver, audioReceiver] };
  const sub = { id: 7, participant: "shopper", pc, warm: false };
  const events = [], requests = [];
  const room = { subs: new Map([[7, sub]]), emit: (name, data) => events.push([name, data]),
                 client: { request: async (msg) => { requests.push(msg); return {}; } } };
  const a = new m.PlayoutAdapter(room, { pollMs: 1e9 });
  clearInterval(a.timer);
  const step = async (ms, d) => { clock.t += ms; Object.assign(video, d(video)); await a.tick(); };
"""


def test_the_adapter_sets_the_video_receivers_target_and_asks_for_keyframes() -> None:
    got = run(ADAPTER + """
      await step(0, (v) => ({}));                                                   // first snapshot
      for (let i = 0; i < 4; i++)                                                   // 1 s: repair seen
        await step(250, (v) => ({ packetsReceived: v.packetsReceived + 15, packetsLost: v.packetsLost + 1,
                                  nackCount: v.nackCount + 1, framesDecoded: v.framesDecoded + 5 }));
      const target = receiver.jitterBufferTarget, audio = audioReceiver.jitterBufferTarget;
      for (let i = 0; i < 3; i++)                                                   // stuck for 750 ms
        await step(250, (v) => ({ packetsReceived: v.packetsReceived + 15 }));
      await new Promise((r) => setTimeout(r, 0));
      a.stop();
      return { target, audio, events, requests };""")
    assert got["target"] == 250 and got["audio"] is None  # the video receiver only; audio follows by A/V sync
    assert ["playout", {"participant": "shopper", "sub": 7, "targetMs": 250}] in got["events"]
    assert got["requests"] == [{"type": "receive", "sub": 7, "video": True}]  # Janus sends the publisher a PLI
    assert ["keyframe", {"participant": "shopper", "sub": 7}] in got["events"]


def test_the_first_repair_raises_the_hold_at_once_and_a_decoupled_subscription_holds_for_a_retry() -> None:
    """Not a second after the first NACK: at the poll that sees it (the first losses of a call freeze
    otherwise); a subscription out of lip sync (lipSync false) holds for a second try (150 + 200 + 100)."""
    got = run(ADAPTER + """
      sub.lipSync = false;
      await step(0, (v) => ({}));
      await step(250, (v) => ({ packetsReceived: 15, framesDecoded: 5 }));           // clean: nothing yet
      const before = receiver.jitterBufferTarget;
      await step(250, (v) => ({ packetsReceived: 30, packetsLost: 1, nackCount: 1, framesDecoded: 10 }));
      const ramp = [receiver.jitterBufferTarget];  // raised toward the hold 100 ms a poll (RAMP)
      for (let i = 0; i < 5; i++) {
        await step(250, (v) => ({ packetsReceived: v.packetsReceived + 15, framesDecoded: v.framesDecoded + 5 }));
        ramp.push(receiver.jitterBufferTarget);
      }
      a.stop();
      const held = events.filter(([e]) => e === "playout").map(([, d]) => d.targetMs);
      return { before, held, ramp };""")
    assert got == {"before": None, "held": [450], "ramp": [100, 200, 300, 400, 450, 450]}


def test_a_raised_target_is_reached_in_steps_and_a_lowered_one_at_once() -> None:
    got = run("""return [[null, 450], [100, 450], [400, 450], [450, 300], [300, null], [null, null], [200, 50]]
      .map(([a, w]) => m.rampTarget(a, w));""")
    assert got == [100, 200, 450, 300, None, None, 50]


def test_the_adapter_leaves_a_subscription_alone_that_cannot_be_asked() -> None:
    got = run(ADAPTER + """
      room.client.request = async (msg) => { requests.push(msg); throw Object.assign(new Error("no"), { code: "pause_unsupported" }); };
      await step(0, (v) => ({ framesDecoded: 1 }));
      for (let i = 0; i < 12; i++) await step(250, (v) => ({ packetsReceived: v.packetsReceived + 15 }));
      await new Promise((r) => setTimeout(r, 0));
      a.stop();
      return requests.length;""")
    assert got == 1


def test_no_keyframe_requests_for_a_simulcast_feed() -> None:
    """A live show's host must not get a keyframe request from every stuck viewer (Janus does not throttle)."""
    got = run(ADAPTER + """
      room.feeds = new Map([["shopper", { simulcast: true }]]);
      await step(0, (v) => ({ framesDecoded: 1 }));
      for (let i = 0; i < 12; i++) await step(250, (v) => ({ packetsReceived: v.packetsReceived + 15 }));
      await new Promise((r) => setTimeout(r, 0));
      a.stop();
      return requests.length;""")
    assert got == 0


def test_a_voice_losing_a_tenth_of_its_packets_releases_the_hold() -> None:
    """Lip sync makes the voice wait for held video: on a link that loses >= 10 % of the audio (before RED or
    FEC repair it) the voice matters more than the freezes."""
    def audio(s: dict[str, Any], lost: int) -> dict[str, Any]:
        return {**s, "audioPackets": 50 - lost, "audioLost": lost}

    got = policy([audio(lossy(0), 2), audio(lossy(1_000), 6), audio(lossy(2_000), 2), audio(lossy(3_000, lost=0), 0)])
    assert got == [250, None, 250, "keep"]
    assert policy([{**lossy(0), "audioPackets": 5, "audioLost": 5}]) == [250]  # too few packets to judge


def test_decoupled_video_holds_for_a_second_try_past_the_voice_budget_and_learns_from_freezes() -> None:
    """Video out of lip sync with the voice (unsyncVideo) is held for a repair that needed a second try: the
    round trip, then the retry that Janus answers no sooner than 200 ms after its first resend, plus 100 ms:
    350 on a 50 ms path, 450 on 150, 700 (the cap) on 300, where a synced subscription gets none; a freeze
    while held adds 100 ms, up to 700; heavy voice loss no longer releases it."""
    got = policy([lossy(0, rtt=50), {**lossy(1_000, rtt=50), "freezes": 1}, {**lossy(2_000, rtt=50), "freezes": 2},
                  lossy(3_000, rtt=50), {**lossy(4_000, rtt=50), "freezes": 1}, {**lossy(5_000, rtt=50), "freezes": 1},
                  {**lossy(6_000, rtt=50), "freezes": 1}, {**lossy(7_000, rtt=50), "audioPackets": 35,
                                                          "audioLost": 15}], decoupled=True)
    assert got == [350, 450, 550, "keep", 650, 700, "keep", "keep"]
    assert policy([lossy(0, rtt=150)], decoupled=True) == [450]
    # a freeze a keyframe ended (a loss no repair brought back) teaches nothing: a longer hold would only delay
    # the next keyframe
    assert policy([lossy(0, rtt=50), {**lossy(1_000, rtt=50), "freezes": 1, "keyframes": 1}],
                  decoupled=True) == [350, "keep"]
    assert policy([lossy(0, rtt=300)], decoupled=True) == [700]
    assert policy([lossy(0, rtt=300)]) == ["keep"]  # in lip sync: no hold at 300 ms (the voice would wait)
    # a freeze before any hold teaches nothing (the hold was not there to fail); a clean leg holds 300 ms, which
    # lets Janus's second NACK upstream (155 ms after the gap) land
    assert policy([{**lossy(0, rtt=2, lost=0), "freezes": 1}, lossy(1_000, rtt=2)], decoupled=True) == [302, "keep"]
    # video that cannot be repaired (over 15 % lost) is still let go
    assert policy([lossy(0), lossy(1_000, lost=20)], decoupled=True) == [450, None]


def test_unsync_video_moves_the_video_alone_to_a_stream_of_its_own() -> None:
    lines = ["v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=msid:janus janusa", "a=ssrc:11 msid:janus janusa",
             "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1", "a=msid:janus janusv", "a=ssrc:22 cname:x",
             "a=ssrc:22 msid:janus janusv", "m=video 0 x 96", "a=msid:- t3", ""]
    sdp = "\r\n".join(lines)
    got = run("return [m.unsyncVideo(a), m.unsyncVideo(b)];", a=sdp, b="v=0\nm=video 9 x 96\na=mid:1\n")
    assert got[0].split("\r\n") == ["v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=msid:janus janusa",
                                    "a=ssrc:11 msid:janus janusa", "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1",
                                    "a=msid:janus-video janusv", "a=ssrc:22 cname:x",
                                    "a=ssrc:22 msid:janus-video janusv", "m=video 0 x 96", "a=msid:- t3", ""]
    assert got[1] == "v=0\nm=video 9 x 96\na=mid:1\n"


def test_a_loss_on_the_publishers_leg_can_come_back_until_its_last_answered_nack() -> None:
    """Janus NACKs a publisher 12 and 155 ms after a gap; the second is answered only under a 143 ms round trip."""
    got = run("return [50, 150, 300, 0, null, undefined].map((r) => m.upstreamRepairMs(r));")
    assert got == [205, 162, 312, None, None, None]


def test_a_decoupled_hold_covers_the_publishers_leg_when_its_round_trip_is_known() -> None:
    """Behind a 300 ms publisher a clean-leg subscriber (2 ms) holds 312 + 100 from the first repair, not 302
    (a freeze per late repair until it learned); behind a 150 ms one its own retry already covers it."""
    def up(s: dict[str, Any], rtt: float) -> dict[str, Any]:
        return {**s, "upstreamRttMs": rtt}

    assert policy([up(lossy(0, rtt=2), 300)], decoupled=True) == [412]
    assert policy([up(lossy(0, rtt=2), 150)], decoupled=True) == [302]
    assert policy([lossy(0, rtt=2)], decoupled=True) == [302]
    assert policy([up(lossy(0, rtt=150), 300)]) == [250]  # in lip sync: unchanged (the voice budget rules)


def test_a_picture_stuck_on_a_packet_gone_upstream_is_asked_for_when_frames_stop_completing() -> None:
    """Frames stop completing at 500 ms while packets arrive; decoding runs on through the hold (300 ms). With
    the publisher's round trip known (150 ms: its repair lands by 162 ms; this leg's second try by 201 ms) the
    keyframe is asked for 351 ms after the last completed frame, not 250 ms after decoding ran dry."""
    body = """
      const w = new m.StallWatch();
      const out = [];
      for (let t = 0; t <= 2000; t += 50) {
        const received = 20 + Math.min(t, 500) / 50, decoded = 14 + Math.min(t, 800) / 50;  // 300 ms behind
        if (w.check({ t, framesReceived: received, framesDecoded: decoded, videoPackets: t, rttMs: 1,
                      upstreamRttMs: UP })) out.push(t);
      }
      return out;"""
    assert run(body, UP=150) == [900, 1900]  # 500 + 351 -> the 900 poll; then once per second
    assert run(body, UP=None) == [1100]  # decoding stands from 800: 800 + 250 + 1 -> 1100 (then 2100 > 2000)


def test_the_adapter_tells_the_server_its_publishing_round_trip_when_it_moves_a_step() -> None:
    got = run(ADAPTER + """
      let pubRtt = 0.15;
      room.pub = { pc: { connectionState: "connected", getStats: async () => new Map([
        ["p", { type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: pubRtt }]]) } };
      const sent = [];
      for (const [ms, rtt] of [[0, 0.15], [250, 0.15], [1000, 0.16], [1000, 0.2], [1000, 0.2], [1000, 0.05]]) {
        pubRtt = rtt;
        await step(ms, (v) => ({}));
      }
      a.stop();
      return requests.filter((r) => r.type === "uplink").map((r) => r.rtt_ms);""")
    assert got == [150, 200, 50]  # 160 is within a step of 150 (20 ms, 20 %); once a second at most
