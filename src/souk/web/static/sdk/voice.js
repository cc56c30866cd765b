// Voice rooms in the browser: listen to the room's mix, or speak from a seat. Plain ES module.
//
//   import { connect } from "/static/sdk/souk.js";
//   import { VoiceRoom } from "/static/sdk/voice.js";
//   const client = await connect({ token });
//   const voice = await VoiceRoom.join(client, roomId);   // joins the room's socket (no VideoRoom in a voice room)
//   await voice.listen(audioElement);                       // a listener: the room's mix, one connection
//   await voice.speak();                                    // a seat holder (the seat is the voice-room API's):
//                                                           // microphone -> the room's AudioBridge; it hears the
//                                                           // others on that same connection, so listening stops
//   await voice.mute(true);                                 // self mute (unmute refused "host_muted" if the host muted)
//   await voice.unspeak();                                  // back to listening
//   voice.on("removed", ({ reason }) => ...);               // kicked / left / room_destroyed / media_lost: the
//                                                           // speaker connection is gone; the SDK listens again
//   voice.on("state", ({ target, state }) => ...);          // "speak" / "listen" connection state (a "failed"
//                                                           // connection is opened again by the SDK)
//   voice.on("audio", ({ target, stream }) => ...);         // the remote audio (played in audioElement if given)
//   await voice.leave();
//
// Socket messages (docs/voice-rooms.md, "Media path"): voice.speak / voice.mute / voice.unspeak,
// voice.listen -> voice.offer -> voice.answer, voice.unlisten, voice.trickle; pushes voice.removed.
// Opus in-band FEC is asked for in every SDP (sdk/resilience.js). After the socket reconnects or the media
// server is reset, the SDK opens again what was open (speaking first: a seat holder stays a speaker).

import { Emitter } from "./emitter.js";
import { SoukError, mediaError } from "./errors.js";
import { opusResilient } from "./resilience.js";

function defaultPc(client) {
  const servers = client.iceServers && client.iceServers.length ? client.iceServers : ((client.welcome || {}).ice_servers || []);
  return new RTCPeerConnection({ iceServers: servers });
}

async function defaultMic() {
  if (!globalThis.navigator || !navigator.mediaDevices) throw new SoukError("camera_missing", "no microphone API here");
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  } catch (e) {
    throw mediaError(e); // camera_denied / camera_missing / camera_busy (errors.js)
  }
}

export class VoiceRoom extends Emitter {
  // opts: { pc: (client) => RTCPeerConnection, mic: () => Promise<MediaStream>, autoListen: true }
  constructor(client, roomId, opts = {}) {
    super();
    this.client = client;
    this.roomId = roomId;
    this.makePc = opts.pc || defaultPc;
    this.mic = opts.mic || defaultMic;
    this.autoListen = opts.autoListen !== false;
    this.speaker = null; // { pc, stream, muted }
    this.listener = null; // { pc, stream }
    this.audioElement = null;
    this._lost = null; // the speaker connection a media server loss took (media.reset opens it again)
    this.closed = false;
    this._off = [
      client.on("voice.removed", (m) => this._removed(m)),
      client.on("media", (m) => this._media(m)),
      client.on("reconnected", () => this._resume()),
      client.on("media.reset", () => this._resume()),
    ];
  }

  static async join(client, roomId, opts = {}) {
    await client.request({ type: "join", room: roomId, subscribe: false });
    return new VoiceRoom(client, roomId, opts);
  }

  get speaking() { return this.speaker !== null; }
  get listening() { return this.listener !== null; }

  _connect(pc, target) {
    const early = [];
    let answered = false;
    pc.onicecandidate = (ev) => {
      const cand = ev.candidate ? (ev.candidate.toJSON ? ev.candidate.toJSON() : ev.candidate) : null;
      if (cand && !cand.candidate) return;
      if (answered) this.client.send({ type: "voice.trickle", target, candidate: cand });
      else early.push(cand);
    };
    pc.onconnectionstatechange = () => {
      this.emit("state", { target, state: pc.connectionState });
      if (pc.connectionState === "failed") this._failed(target, pc).catch((e) => this.emit("error", e));
    };
    return () => {
      answered = true;
      for (const cand of early) this.client.send({ type: "voice.trickle", target, candidate: cand });
    };
  }

  _play(target, stream) {
    if (this.audioElement && this.audioElement.srcObject !== stream) {
      this.audioElement.srcObject = stream;
      const p = this.audioElement.play && this.audioElement.play();
      if (p && p.catch) p.catch(() => {}); // autoplay policy: the page shows its own "tap to listen"
    }
    this.emit("audio", { target, stream });
  }

  // Hear the room's mix. audioElement (optional) plays it.
  async listen(audioElement) {
    if (audioElement) this.audioElement = audioElement;
    if (this.listener) return this.listener.stream;
    if (this.speaker) throw new SoukError("already_speaking", "a speaker hears the room on its own connection");
    const pc = this.makePc(this.client);
    const stream = new MediaStream();
    const listener = { pc, stream };
    this.listener = listener;
    pc.ontrack = (ev) => { stream.addTrack(ev.track); this._play("listen", stream); };
    const flush = this._connect(pc, "listen");
    try {
      const offer = await this.client.request({ type: "voice.listen" });
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      const answer = { type: "answer", sdp: opusResilient((await pc.createAnswer()).sdp) };
      await pc.setLocalDescription(answer);
      await this.client.request({ type: "voice.answer", sdp: answer.sdp });
    } catch (e) {
      this._closeListener(false);
      throw e;
    }
    flush();
    return stream;
  }

  async unlisten() {
    this._closeListener(true);
  }

  _closeListener(tell) {
    const l = this.listener;
    if (!l) return;
    this.listener = null;
    try { l.pc.close(); } catch { /* already closed */ }
    if (tell && !this.closed) this.client.request({ type: "voice.unlisten" }).catch(() => {});
  }

  // Speak from a seat (the voice-room API granted it). stream: a microphone MediaStream (default: asked for).
  async speak(stream) {
    if (this.speaker) throw new SoukError("already_speaking", "already speaking");
    const mic = stream || (await this.mic());
    const pc = this.makePc(this.client);
    const heard = new MediaStream();
    const speaker = { pc, stream: mic, muted: false };
    this.speaker = speaker;
    for (const track of mic.getAudioTracks()) pc.addTransceiver(track, { direction: "sendrecv", streams: [mic] });
    pc.ontrack = (ev) => { heard.addTrack(ev.track); this._play("speak", heard); };
    const flush = this._connect(pc, "speak");
    try {
      const offer = { type: "offer", sdp: opusResilient((await pc.createOffer()).sdp) };
      await pc.setLocalDescription(offer);
      const reply = await this.client.request({ type: "voice.speak", sdp: offer.sdp });
      await pc.setRemoteDescription({ type: "answer", sdp: reply.sdp });
    } catch (e) {
      this._closeSpeaker(false);
      throw e;
    }
    flush();
    this._closeListener(true); // the speaker connection carries the others' mix
    return mic;
  }

  async mute(muted) {
    if (!this.speaker) throw new SoukError("not_speaking", "not speaking");
    await this.client.request({ type: "voice.mute", muted: !!muted });
    this.speaker.muted = !!muted;
    for (const t of this.speaker.stream.getAudioTracks()) t.enabled = !muted; // nothing leaves the device either
  }

  async unspeak() {
    if (!this.speaker) return;
    this._closeSpeaker(true);
    if (this.autoListen) await this.listen();
  }

  _closeSpeaker(tell) {
    const s = this.speaker;
    if (!s) return;
    this.speaker = null;
    try { s.pc.close(); } catch { /* already closed */ }
    if (tell && !this.closed) this.client.request({ type: "voice.unspeak" }).catch(() => {});
  }

  _removed(msg) {
    if (msg.room && msg.room !== this.roomId) return;
    const was = this.speaker;
    this._closeSpeaker(false); // the server closed it already
    this.emit("removed", { reason: msg.reason });
    if (msg.reason === "media_lost") { // the media server went: media.reset follows once the room is back
      this._lost = was;
      return;
    }
    if (this.autoListen && !this.closed && msg.reason !== "room_destroyed") {
      this.listen().catch((e) => this.emit("error", e));
    }
  }

  _media(msg) {
    if (msg.target !== "speak" && msg.target !== "listen") return;
    this.emit("state", { target: msg.target, state: msg.webrtc === "up" ? "connected" : "disconnected", server: true });
  }

  // A connection ICE could not keep up (a network change): open it again (the socket is still there).
  async _failed(target, pc) {
    if (this.closed) return;
    if (target === "listen" && this.listener && this.listener.pc === pc) {
      this._closeListener(true);
      await this.listen();
    } else if (target === "speak" && this.speaker && this.speaker.pc === pc) {
      const { stream, muted } = this.speaker;
      this._closeSpeaker(true);
      await this.speak(stream);
      if (muted) await this.mute(true);
    }
  }

  // The socket came back (or the media server was reset): the server dropped our connections; open again.
  async _resume() {
    if (this.closed) return;
    const wasSpeaking = this.speaker || this._lost; // media_lost closed the speaker: speak again
    const wasListening = this.listener;
    this._lost = null;
    this._closeSpeaker(false);
    this._closeListener(false);
    try {
      if (wasSpeaking) await this.speak(wasSpeaking.stream);
      else if (wasListening) await this.listen();
      if (wasSpeaking && wasSpeaking.muted) await this.mute(true);
    } catch (e) {
      if (wasSpeaking && this.autoListen && !this.listener) await this.listen().catch(() => {});
      this.emit("error", e);
    }
  }

  async leave() {
    if (this.closed) return;
    this._closeSpeaker(true);
    this._closeListener(true);
    this.closed = true;
    for (const off of this._off) if (typeof off === "function") off();
    await this.client.request({ type: "leave" }).catch(() => {});
  }
}
