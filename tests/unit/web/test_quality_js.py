"""The browser's quality reporter (static/sdk/quality.js), run with node (skipped without it) over fake
PeerConnections: counters summed over connections and kept when one closes, first frame, freezes in ms, layer
switches, failures, and what it does with the server's answers (429: wait Retry-After; other 4xx: stop)."""

from __future__ import annotations

from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

PRELUDE = """
const fakePc = (stats, state = "connected") => ({ connectionState: state, iceConnectionState: state,
  getStats: async () => new Map(stats.map((s, i) => [s.id || `s${i}`, s])) });
let t = 0;
const sent = [];
const reply = { status: 202, headers: new Map() };
const make = (pcs, receiving = true) => new m.QualityReporter({ roomId: "room-1", pcs: () => pcs.list,
  receiving: () => receiving, now: () => t, send: async (r) => { sent.push(r); return reply; } });
"""


def run(body: str) -> Any:
    return run_module("sdk/quality.js", body, after_import=PRELUDE)


def test_counters_are_summed_and_kept_when_a_connection_closes() -> None:
    got = run("""
      const audio = { type: "inbound-rtp", kind: "audio", packetsReceived: 100, packetsLost: 4, fecPacketsReceived: 1,
                      concealedSamples: 480, totalSamplesReceived: 48000, jitter: 0.012, bytesReceived: 4000,
                      codecId: "c1" };
      const video = { type: "inbound-rtp", kind: "video", packetsReceived: 500, packetsLost: 5, framesDecoded: 60,
                      freezeCount: 1, totalFreezesDuration: 0.25, frameHeight: 360, ssrc: 7, bytesReceived: 90000 };
      const pair = { type: "candidate-pair", nominated: true, currentRoundTripTime: 0.15 };
      const codec = { id: "c1", type: "codec", mimeType: "audio/opus" };
      const pcs = { list: [fakePc([audio, pair, codec]), fakePc([video])] };
      const r = make(pcs);
      t = 800;
      const first = await r.read();
      t = 5800;
      pcs.list = [pcs.list[0], fakePc([{ ...video, packetsReceived: 100, framesDecoded: 10, frameHeight: 180,
                                         freezeCount: 0, totalFreezesDuration: 0, ssrc: 7 }])];
      const second = await r.read();
      return { first, second };
    """)
    first, second = got["first"], got["second"]
    assert first["seq"] == 0 and first["room"] == "room-1" and len(first["session"]) >= 8
    assert first["first_frame_ms"] == 800 and first["rtt_ms"] == 150 and first["jitter_ms"] == 12
    assert first["codec"] == "opus" and first["network"] == "unknown"
    assert first["audio"] == {"packets_received": 100, "packets_lost": 4, "fec_packets_received": 1,
                              "concealed_samples": 480, "total_samples_received": 48000, "concealment_events": 0}
    assert first["video"]["total_freezes_duration_ms"] == 0  # no video time yet: capped at video_ms
    # the first video connection closed (gone from the list): its last counters still count
    assert second["seq"] == 1 and second["video"]["packets_received"] == 600
    assert second["video"]["frames_decoded"] == 70 and second["video"]["freeze_count"] == 1
    assert second["video"]["video_ms"] == 5000 and second["video"]["total_freezes_duration_ms"] == 250
    assert second["video"]["layer_switches"] == 1  # 360p -> 180p on the same stream
    assert second["first_frame_ms"] == 800 and second["in_kbps"] > 0


def test_failures() -> None:
    got = run("""
      const failed = make({ list: [fakePc([], "failed")] });
      const a = await failed.read();
      const silent = make({ list: [fakePc([])] });
      t = 25000;
      const b = await silent.read();
      const publisher = make({ list: [fakePc([])] }, false);
      const c = await publisher.read();
      return [a.failure, b.failure, c.failure];
    """)
    assert got == ["ice_failed", "no_media", None]


def test_answers_429_waits_and_other_refusals_stop() -> None:
    got = run("""
      const r = make({ list: [] });
      reply.status = 429; reply.headers = new Map([["Retry-After", "12"]]);
      const wait = await r.flush();
      reply.status = 404; reply.headers = new Map();
      await r.flush();
      const before = sent.length;
      await r.flush();
      await r.stop();
      return { wait, refused: r.refused, more: sent.length - before };
    """)
    assert got == {"wait": 12000, "refused": 404, "more": 0}


def test_a_closed_client_gets_one_last_report_then_none() -> None:
    got = run("""
      let over = false;
      const r = new m.QualityReporter({ roomId: "room-1", pcs: () => [], done: () => over, intervalMs: 20,
                                        send: async (x) => { sent.push(x); return reply; } });
      r.start();
      await new Promise((res) => setTimeout(res, 2100));
      const before = sent.length;
      over = true;
      await new Promise((res) => setTimeout(res, 200));
      const after = sent.length;
      await new Promise((res) => setTimeout(res, 200));
      return { before, after, final: sent.length, stopped: r.stopped };
    """)
    assert got["before"] >= 2 and got["after"] == got["before"] + 1 and got["final"] == got["after"]
    assert got["stopped"] is True


def test_stop_sends_the_last_counters_without_reading_closing_connections() -> None:
    got = run("""
      let reads = 0;
      const pc = { connectionState: "connected", iceConnectionState: "connected",
                   getStats: async () => { reads += 1; return new Map([["a", { type: "inbound-rtp", kind: "audio",
                     packetsReceived: 10, totalSamplesReceived: 960 }]]); } };
      const r = make({ list: [pc] });
      await r.flush();
      await r.stop();
      await r.stop();
      return { reads, n: sent.length, last: sent[sent.length - 1].audio.packets_received };
    """)
    assert got == {"reads": 1, "n": 2, "last": 10}
