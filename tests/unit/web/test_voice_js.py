"""The voice-room SDK (sdk/voice.js) under node with a fake signaling client and fake PeerConnections: what
it sends for listen and speak (Opus FEC asked for), trickle after the answer, listening stops once speaking,
a removal by the server goes back to listening, mute, errors passed on, and a reconnect opening again what was
open."""

from __future__ import annotations

from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

HARNESS = r"""
globalThis.MediaStream = class { constructor() { this.tracks = []; } addTrack(t) { this.tracks.push(t); }
  getAudioTracks() { return this.tracks; } };
const OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\r\n";
class FakePc {
  constructor() { this.sent = []; this.closed = false; this.local = null; this.remote = null; FakePc.all.push(this); }
  addTransceiver(track, init) { this.sent.push([track.id, init.direction]); }
  async createOffer() { return { type: "offer", sdp: OFFER }; }
  async createAnswer() { return { type: "answer", sdp: OFFER }; }
  async setLocalDescription(d) { this.local = d; this.onicecandidate && this.onicecandidate({ candidate: { candidate: "c1", sdpMid: "0" } }); }
  async setRemoteDescription(d) { this.remote = d; if (d.type === "offer") this.ontrack && this.ontrack({ track: { id: "mix" } }); }
  close() { this.closed = true; }
}
FakePc.all = [];
class FakeClient {
  constructor(replies) { this.replies = replies; this.requests = []; this.sends = []; this.handlers = new Map(); this.welcome = {}; this.iceServers = []; }
  on(type, fn) { this.handlers.set(type, fn); return () => this.handlers.delete(type); }
  fire(type, msg) { this.handlers.get(type)(msg); }
  async request(msg) {
    this.requests.push(msg);
    const r = this.replies[msg.type];
    if (r instanceof Error) throw r;
    return r || { type: "ack" };
  }
  send(msg) { this.sends.push(msg); }
}
const mic = { getAudioTracks() { return [this.track]; }, track: { id: "mic", enabled: true } };
const tick = () => new Promise((r) => setTimeout(r, 0));
"""


def js(body: str) -> Any:
    return run_module("sdk/voice.js", body, before_import=HARNESS)


def test_listen_then_speak_then_unspeak() -> None:
    out = js("""
      const client = new FakeClient({ "voice.offer": null, "voice.listen": { type: "voice.offer", sdp: "v=0 offer" },
                                      "voice.speak": { type: "answer", sdp: "v=0 answer" } });
      const v = await m.VoiceRoom.join(client, "r1", { pc: () => new FakePc(), mic: async () => mic });
      const audio = [];
      v.on("audio", (e) => audio.push(e.target));
      await v.listen();
      const listenPc = FakePc.all[0];
      await v.speak();
      const speakPc = FakePc.all[1];
      const afterSpeak = { listening: v.listening, speaking: v.speaking, listenClosed: listenPc.closed };
      await v.unspeak();
      return { types: client.requests.map((r) => r.type), join: client.requests[0], answerFec: client.requests[2].sdp,
               speakFec: client.requests[3].sdp, trickles: client.sends, afterSpeak, audio,
               sent: speakPc.sent, speakClosed: speakPc.closed, listeningAgain: v.listening };
    """)
    assert out["types"] == ["join", "voice.listen", "voice.answer", "voice.speak", "voice.unlisten", "voice.unspeak",
                            "voice.listen", "voice.answer"]
    assert out["join"] == {"type": "join", "room": "r1", "subscribe": False}
    assert "useinbandfec=1" in out["answerFec"] and "useinbandfec=1" in out["speakFec"]
    # candidates gathered before the answer go out after it, to the right connection
    assert [(s["type"], s["target"]) for s in out["trickles"][:2]] == [("voice.trickle", "listen"),
                                                                       ("voice.trickle", "speak")]
    assert out["afterSpeak"] == {"listening": False, "speaking": True, "listenClosed": True}
    assert out["sent"] == [["mic", "sendrecv"]] and out["speakClosed"] and out["listeningAgain"]
    assert out["audio"] == ["listen", "listen"]  # the mix, before speaking and after (the fake speaker PC: no track)


def test_removed_by_the_server_goes_back_to_listening_and_errors_pass_on() -> None:
    out = js("""
      const denied = Object.assign(new Error("no seat"), { code: "not_seated" });
      const client = new FakeClient({ "voice.listen": { type: "voice.offer", sdp: "v=0 offer" },
                                      "voice.speak": { type: "answer", sdp: "v=0 answer" } });
      const v = await m.VoiceRoom.join(client, "r1", { pc: () => new FakePc(), mic: async () => mic });
      await v.speak();
      const removed = [];
      v.on("removed", (e) => removed.push(e.reason));
      client.fire("voice.removed", { type: "voice.removed", room: "other", reason: "kicked" });  // another room: ignored
      const stillSpeaking = v.speaking;
      client.fire("voice.removed", { type: "voice.removed", room: "r1", reason: "kicked" });
      await tick(); await tick(); await tick();
      const afterKick = { speaking: v.speaking, listening: v.listening, removed, closed: FakePc.all[0].closed };
      client.replies["voice.speak"] = denied;
      let code = null;
      await v.unlisten();
      try { await v.speak(); } catch (e) { code = e.code; }
      return { stillSpeaking, afterKick, code, speakingAfterRefusal: v.speaking,
               unspeakSent: client.requests.some((r) => r.type === "voice.unspeak") };
    """)
    assert out["stillSpeaking"] is True
    assert out["afterKick"] == {"speaking": False, "listening": True, "removed": ["kicked"], "closed": True}
    assert out["code"] == "not_seated" and out["speakingAfterRefusal"] is False
    assert out["unspeakSent"] is False  # the server closed it: nothing to tell


def test_mute_and_resume_after_a_reconnect() -> None:
    out = js("""
      const client = new FakeClient({ "voice.speak": { type: "answer", sdp: "v=0 answer" } });
      const v = await m.VoiceRoom.join(client, "r1", { pc: () => new FakePc(), mic: async () => mic });
      let code = null;
      try { await v.mute(true); } catch (e) { code = e.code; }
      await v.speak();
      await v.mute(true);
      const enabled = mic.track.enabled;
      client.fire("reconnected", {});
      await tick(); await tick(); await tick(); await tick();
      return { code, enabled, types: client.requests.map((r) => r.type), speaking: v.speaking, pcs: FakePc.all.length,
               firstClosed: FakePc.all[0].closed };
    """)
    assert out["code"] == "not_speaking" and out["enabled"] is False
    # after the reconnect: speaking again on a new connection, muted again
    assert out["types"] == ["join", "voice.speak", "voice.mute", "voice.speak", "voice.mute"]
    assert out["speaking"] and out["pcs"] == 2 and out["firstClosed"]


def test_media_lost_waits_for_media_reset_then_speaks_again() -> None:
    out = js("""
      const client = new FakeClient({ "voice.speak": { type: "answer", sdp: "v=0 answer" },
                                      "voice.listen": { type: "voice.offer", sdp: "v=0 offer" } });
      const v = await m.VoiceRoom.join(client, "r1", { pc: () => new FakePc(), mic: async () => mic });
      await v.speak();
      client.fire("voice.removed", { type: "voice.removed", room: "r1", reason: "media_lost" });
      await tick(); await tick();
      const between = { speaking: v.speaking, listening: v.listening, n: client.requests.length };
      client.fire("media.reset", { type: "media.reset", room: "r1" });
      await tick(); await tick(); await tick();
      return { between, types: client.requests.map((r) => r.type), speaking: v.speaking };
    """)
    assert out["between"] == {"speaking": False, "listening": False, "n": 2}  # no listen while the server is away
    assert out["types"] == ["join", "voice.speak", "voice.speak"] and out["speaking"]


def test_a_failed_connection_is_opened_again() -> None:
    out = js("""
      const client = new FakeClient({ "voice.speak": { type: "answer", sdp: "v=0 answer" },
                                      "voice.listen": { type: "voice.offer", sdp: "v=0 offer" } });
      const v = await m.VoiceRoom.join(client, "r1", { pc: () => new FakePc(), mic: async () => mic });
      await v.listen();
      const first = FakePc.all[0];
      first.connectionState = "failed";
      first.onconnectionstatechange();
      await tick(); await tick(); await tick(); await tick();
      return { types: client.requests.map((r) => r.type), closed: first.closed, pcs: FakePc.all.length,
               listening: v.listening };
    """)
    assert out["types"] == ["join", "voice.listen", "voice.answer", "voice.unlisten", "voice.listen", "voice.answer"]
    assert out["closed"] and out["pcs"] == 2 and out["listening"]
