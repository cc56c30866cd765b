// Souk browser SDK: one signaling WebSocket per client, media browser <-> Janus.
// Plain ES module, no bundler.  import { connect } from "/static/sdk/souk.js";
//
//   const client = await connect({ token });            // opens /v1/signal, waits for "welcome"
//   const client = await connect({ token, join: roomId }); // the server joins at once (client.join takes it)
//   client.on("call", (m) => ...);                       // server events: call, participant.joined, published...
//   const room = await client.join(roomId);              // -> participants and feeds already there
//   await room.publish({ audio: true, video: true });    // getUserMedia + offer -> Janus answer
//   await room.publish({ stream, simulcast: true });     // video as 3 rid encodings (h, m, l) for live shows
//   await room.layer(participant, 0);                    // pick a simulcast substream (0 low .. 2 high) of a feed
//   room.on("track", ({ participant, stream }) => ...);  // remote media (auto-subscribes by default)
//   room.mute("audio", true); await room.switchDevice("video", deviceId);
//   const q = await room.quality();                      // { rttMs, lossPct, inKbps, outKbps, framesDecoded, level }
//                                                        // every join uploads call-quality reports every 5 s
//                                                        // (sdk/quality.js; connect({ quality: false }): none)
//   await room.warm();                                   // 1v1 while it rings (after publish): the subscriber PC
//                                                        // connects now, held with no media; the next feed this
//                                                        // room subscribes to is `switch`ed onto it (no new ICE/DTLS)
//   room.on("switched", ({ participant, sub }) => ...);  // the warm PC now carries participant (after its "track"s);
//                                                        // at a consult's accept the server switches it itself
//   room.on("adapt", ({ participant, layer, video, reason }) => ...); // layer / audio-only changes on a weak link
//   room.on("ice.restart", ...), room.on("ice.restarted", ({ target, ms }) => ...); // after an outage
//   await room.leave(); client.close();
//
// Weak links (sdk/resilience.js, sdk/layers.js, docs/resilience.md): Opus FEC and DTX asked for in every SDP;
// each subscription's simulcast layer follows its measured bandwidth, loss and freezes, falling back to audio
// only when even the lowest layer does not get through (connect({ adapt: false }): never); a PeerConnection
// whose ICE stays down is restarted in place (same ids, same call), not re-dialled. Outside live shows a
// subscription's video is kept out of lip sync with its voice (connect({ lipSync: true }): kept), so video held
// for its repairs (sdk/playout.js) never delays the voice.
//
// Several Souk nodes: a room's media lives on one node; a join that reaches another node is refused
// room_elsewhere with details.signal_url, and join() moves the socket there (same token) and joins once more
// (the client emits "moved" {url}).
//
// Media server restarts: when Janus dies and Souk brings the room back on a new instance, the server sends
// media.reset {room}; the SDK closes its dead PeerConnections, republishes the same tracks and resubscribes by
// itself (the room emits "media.reset", then "track.ended" / "track" as feeds go and come back).
//
// Errors are SoukError with a stable .code: camera_denied, camera_missing, camera_busy, network,
// connection_closed, timeout, and every server code (token_expired, wrong_room, privilege_missing...).
//
// Warm subscriptions: warm() is an optimisation and never needed: if the switch fails for any reason
// (unknown_subscription, unknown_feed, switch_incompatible, a failed warm PC), the SDK closes the warm PC and
// subscribes as usual. A warm sub sits in room.subs with participant null and warm true, emits neither
// "track" nor "connection" until it is switched, and is opened again after a reconnect while nobody is subscribed.

export { SoukError } from "./errors.js";
import { SoukError, mediaError } from "./errors.js";
import { Emitter } from "./emitter.js";
import { readQuality, reportRoom } from "./quality.js";
import { IceRestarter, opusResilient, subscriberOffer, temporalLayers } from "./resilience.js";
import { addCopies, copiesMode, redForJanus, redPublishAnswer, redPublishOffer } from "./red.js";
import { LayerAdapter } from "./layers.js";
import { PlayoutAdapter } from "./playout.js";
import { scheduleIceRefresh } from "./ice.js";

// Messaging (chat, danmaku, likes, gifts, presence) lives in /static/rtm/chat.js; re-exported here.
export { chat, Chat, Channel } from "../rtm/chat.js";

const DEFAULT_TIMEOUT_MS = 15000;
const WARM_TIMEOUT_MS = 10000; // warm() gives up (and closes the warm PC) after this
// Simulcast encodings, highest first (Janus's default rid order, as janus.js sends them).
const SIMULCAST = [
  { rid: "h", active: true, maxBitrate: 1200000 },
  { rid: "m", active: true, maxBitrate: 400000, scaleResolutionDownBy: 2 },
  { rid: "l", active: true, maxBitrate: 120000, scaleResolutionDownBy: 4 },
];

function wsUrl(base, token) {
  const u = new URL("/v1/signal", base || window.location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  if (token) u.searchParams.set("token", token);
  return u.toString();
}

// join: a room id the server joins (?join=) as soon as the socket is up, its reply right after the welcome:
// a round trip less on a slow link; client.join(that room) then takes that reply.
export async function connect({ token, baseUrl = "", timeoutMs = DEFAULT_TIMEOUT_MS, iceServers, quality = true,
  adapt = true, join = null, lipSync = "auto" } = {}) {
  const url = wsUrl(baseUrl, token);
  const early = join ? new URL(url) : null;
  if (early) early.searchParams.set("join", join);
  const client = new Client(early ? early.toString() : url, timeoutMs, iceServers);
  client.qualityReports = quality; // upload call-quality reports (sdk/quality.js, docs/quality.md)
  client.adapt = adapt; // pick each subscription's layer / audio-only from its own stats (sdk/layers.js)
  // keep voice and video of a subscription in lip sync: "auto" (simulcast feeds, i.e. live shows, only), true,
  // false (sdk/playout.js unsyncVideo: elsewhere the voice never waits for video held for its repairs)
  client.lipSync = lipSync;
  if (join) {
    client._early = { roomId: join, reply: client._expect("join") };
    client._early.reply.catch(() => {}); // client.join reports it
  }
  try {
    await client._open();
  } finally {
    client.url = url; // a reconnect joins through the room's own resume, never by the URL
  }
  return client;
}

// Camera and microphone, with clear SoukError codes (camera_denied, camera_missing, camera_busy).
// Pages may call it early (e.g. while a call rings) and hand the stream to room.publish({ stream }).
export async function getMedia({ audio = true, video = true, audioDeviceId, videoDeviceId } = {}) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new SoukError("camera_missing", "this browser cannot capture a camera (needs HTTPS or localhost)");
  }
  const c = {
    audio: audio ? (audioDeviceId ? { deviceId: { exact: audioDeviceId } } : true) : false,
    video: video ? (videoDeviceId ? { deviceId: { exact: videoDeviceId } } : { width: 640, height: 360 }) : false,
  };
  try {
    return await navigator.mediaDevices.getUserMedia(c);
  } catch (e) {
    throw mediaError(e);
  }
}

export async function listDevices() {
  if (!navigator.mediaDevices?.enumerateDevices) return { audio: [], video: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    audio: all.filter((d) => d.kind === "audioinput"),
    video: all.filter((d) => d.kind === "videoinput"),
  };
}

// Wait for a PeerConnection to be connected: { promise, abort(err) }; rejects on failed/closed, after
// timeoutMs, or through abort (pc.close() fires no event, so whoever closes it calls abort).
function whenConnected(pc, timeoutMs, what) {
  let abort;
  const promise = new Promise((resolve, reject) => {
    const done = (err) => {
      clearTimeout(timer);
      pc.removeEventListener("connectionstatechange", check);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (pc.connectionState === "connected") done();
      else if (["failed", "closed"].includes(pc.connectionState)) done(new SoukError("network", `${what} ${pc.connectionState}`));
    };
    const timer = setTimeout(() => done(new SoukError("timeout", `${what} did not come up in ${timeoutMs} ms`)), timeoutMs);
    abort = done;
    pc.addEventListener("connectionstatechange", check);
    check();
  });
  return { promise, abort };
}

export class Client extends Emitter {
  constructor(url, timeoutMs, iceServers) {
    super();
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.iceServers = iceServers || [];
    this.ws = null;
    this.welcome = null;
    this.pending = new Map();
    this.seq = 0;
    this.closed = false; // for good: closed by the page, refused by the server, or could not reconnect
    this.userClosed = false;
    this.reconnecting = false;
    this.room = null;
  }

  _open() {
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.url);
      this.ws = ws;
      const timer = setTimeout(() => fail(new SoukError("timeout", "signaling server did not answer")), this.timeoutMs);
      const fail = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (!settled && msg.type === "welcome") {
          settled = true;
          clearTimeout(timer);
          this.welcome = msg;
          scheduleIceRefresh(this); // fresh TURN credentials before the welcome's expire (sdk/ice.js)
          resolve(this);
          return;
        }
        if (!settled && msg.type === "error") {
          fail(new SoukError(msg.code, msg.message));
          return;
        }
        this._dispatch(msg);
      };
      ws.onerror = () => fail(new SoukError("network", "could not reach the signaling server"));
      ws.onclose = (ev) => {
        fail(new SoukError("connection_closed", ev.reason || `signaling closed (${ev.code})`));
        if (ws === this.ws) this._lost(ev);
      };
    });
  }

  _dispatch(msg) {
    if (msg.id && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === "error") p.reject(new SoukError(msg.code, msg.message, msg.details));
      else p.resolve(msg);
      return;
    }
    if (msg.type === "error") this.emit("error", new SoukError(msg.code, msg.message));
    else this.emit(msg.type, msg);
    this.emit("message", msg);
  }

  _lost(ev) {
    if (this.closed) return;
    const err = new SoukError(ev.code === 1000 ? "connection_closed" : "network",
      ev.reason || "signaling connection lost");
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
    this.pending.clear();
    if (this.reconnecting) return; // the reconnect loop sees its attempt fail and goes on
    // A network drop (1006...) or a slow-consumer cut (4429) is retried; a refusal (44xx: expired token,
    // forbidden...) or a normal close is final.
    const final = this.userClosed || !this.welcome || ev.code === 1000 || (ev.code >= 4400 && ev.code < 4500 && ev.code !== 4429);
    if (final) this._final(ev.code, ev.reason);
    else this._reconnect(ev);
  }

  _final(code, reason) {
    if (this.closed) return;
    this.closed = true;
    this.emit("close", { code, reason });
  }

  // Reconnect within the server's grace period (10 s), rejoin the room, republish and resubscribe.
  async _reconnect(ev) {
    this.reconnecting = true;
    this.emit("reconnecting", { code: ev.code });
    for (const delay of [200, 500, 1000, 2000, 4000]) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.userClosed) break;
      try {
        await this._open();
        if (this.room) await this.room._resume();
        this.reconnecting = false;
        this.emit("reconnected", {});
        return;
      } catch (e) {
        if (e && e.code && !["network", "connection_closed", "timeout"].includes(e.code)) break; // refused
      }
    }
    this.reconnecting = false;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, "giving up");
    this._final(ev.code, "could not reconnect");
  }

  // A reply the server sends without a request on this socket (the early join: id "join").
  _expect(id) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SoukError("timeout", `no reply to ${id}`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  request(msg) {
    if (this.closed || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new SoukError("connection_closed", "signaling connection is closed"));
    }
    const id = String(++this.seq);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SoukError("timeout", `no reply to ${msg.type}`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...msg, id }));
    });
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  async join(roomId, { autoSubscribe = true, name = "" } = {}) {
    // with autoSubscribe the server subscribes us to every feed already up and returns the offers at once
    const ask = () => this.request({ type: "join", room: roomId, name, subscribe: autoSubscribe });
    const early = this._early;
    this._early = null;
    const first = early && early.reply && early.roomId === roomId && autoSubscribe && !name ? early.reply : ask();
    let reply;
    try {
      reply = await first;
    } catch (e) {
      // Several nodes: the room is served by another node, which the refusal names. Move there once.
      if (!(e && e.code === "room_elsewhere" && e.details && e.details.signal_url)) throw e;
      await this._move(e.details.signal_url);
      reply = await ask();
    }
    this.room = new Room(this, roomId, reply, autoSubscribe);
    if (this.qualityReports) this.room._reporter = reportRoom(this.room, this.url);
    if (this.adapt) this.room._adapter = new LayerAdapter(this.room);
    if (this.adapt) this.room._playout = new PlayoutAdapter(this.room); // video waits for its NACK repairs (sdk/playout.js)
    return this.room;
  }

  // Open the signaling socket on another node (same token), then drop this one without a reconnect.
  async _move(signalUrl) {
    const token = new URL(this.url).searchParams.get("token");
    const target = new URL(signalUrl);
    if (token) target.searchParams.set("token", token);
    const old = this.ws;
    this.url = target.toString();
    try {
      await this._open(); // this.ws is the new socket from here on: the old one's close is not a loss
    } finally {
      if (old && old.readyState <= WebSocket.OPEN) old.close(1000, "moved to the room's node");
    }
    this.emit("moved", { url: signalUrl });
  }

  close() {
    this.userClosed = true;
    clearTimeout(this._iceTimer);
    if (this.room) this.room._teardown();
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, "bye");
  }
}

export class Room extends Emitter {
  constructor(client, roomId, joined, autoSubscribe) {
    super();
    this.client = client;
    this.id = roomId;
    this.identity = client.welcome.identity;
    this.participants = new Map((joined.participants || []).map((p) => [p.identity, p]));
    this.feeds = new Map((joined.feeds || []).map((f) => [f.participant, f]));
    this.autoSubscribe = autoSubscribe;
    this.red = !!joined.red; // publish audio with RFC 2198 redundancy (sdk/red.js; the server decides per room)
    // keep each subscription's voice in lip sync with its video: "auto" (simulcast feeds only), true or false
    // (sdk/playout.js unsyncVideo)
    this.lipSync = client.lipSync ?? "auto";
    this.pub = null; // { pc, stream }
    // sub id -> { pc, participant, stream, id, warm }; a warm sub has participant null until it is switched
    this.subs = new Map();
    this.localStream = null;
    this.muted = { audio: false, video: false };
    this.wantWarm = false; // the page called warm(): warm again after a reconnect while nobody is subscribed
    this.closed = false;
    this._warm = null; // warm() under way: Promise<sub> until its PeerConnection is connected
    this._abortWarm = null; // warm() waiting for our publisher to connect: reject that wait
    this._warming = null; // the warm offer/answer exchange under way: a Promise that never rejects
    this._following = new Set(); // participants a subscribe (or switch) is under way for
    this._ice = new IceRestarter(this); // ICE restart in place after an outage (sdk/resilience.js)
    this._off = [
      client.on("participant.joined", (m) => { this.participants.set(m.participant.identity, m.participant); this.emit("participant.joined", m.participant); }),
      client.on("participant.left", (m) => { this.participants.delete(m.identity); this._dropFeed(m.identity); this.emit("participant.left", m); }),
      client.on("published", (m) => this._onPublished(m.feed)),
      client.on("unpublished", (m) => this._dropFeed(m.participant)),
      client.on("media", (m) => this.emit("media", m)),
      client.on("feed.link", (m) => this._onFeedLink(m)),
      client.on("media.reset", (m) => { if (m.room === this.id) this._mediaReset(); }),
      client.on("switched", (m) => this._onSwitched(m)), // the server switched our warm sub at an accept
    ];
    if (autoSubscribe) this._subscribeJoined(joined);
  }

  // A publisher's connection round trip changed (its SDK's `uplink` report): the feed's rtt_ms (sdk/playout.js).
  _onFeedLink(m) {
    const feed = this.feeds.get(m.participant);
    if (feed) feed.rtt_ms = m.rtt_ms;
    this.emit("feed.link", m);
  }

  // The join reply: accept the offers the server made for feeds already up, subscribe to the others.
  _subscribeJoined(joined) {
    const offered = new Set((joined.offers || []).map((o) => o.feed));
    for (const offer of joined.offers || []) this._acceptOffer(offer).catch((e) => this.emit("error", e));
    for (const feed of this.feeds.values()) {
      if (feed.participant !== this.identity && !offered.has(feed.participant)) this._follow(feed.participant);
    }
  }

  _onPublished(feed) {
    this.feeds.set(feed.participant, feed);
    this.emit("published", feed);
    if (this.autoSubscribe && feed.participant !== this.identity) this._follow(feed.participant);
  }

  // Auto-subscribe to a participant once: through the warm subscription if there is one, else a fresh one.
  async _follow(participant) {
    if (this._following.has(participant) || [...this.subs.values()].some((x) => x.participant === participant)) return;
    this._following.add(participant);
    try {
      // The AI attendant's voice (role "assistant") never takes the warm subscription: that is kept for the
      // person who answers, so their video still arrives as a switch.
      const role = this.participants.get(participant)?.role;
      await this.subscribe(participant, { useWarm: role !== "assistant" });
    } catch (e) {
      if (!this.closed) this.emit("error", e);
    } finally {
      this._following.delete(participant);
    }
  }

  _dropFeed(participant) {
    this.feeds.delete(participant);
    for (const sub of [...this.subs.values()]) {
      if (sub.participant === participant) {
        this._discard(sub);
        this.emit("track.ended", { participant });
      }
    }
  }

  _pc(extra = {}) {
    // the page's own iceServers win; else what the server advertises (Settings.janus STUN/TURN); never Google's
    const servers = this.client.iceServers.length ? this.client.iceServers : (this.client.welcome.ice_servers || []);
    return new RTCPeerConnection({ iceServers: servers, ...extra });
  }

  getMedia(opts = {}) {
    return getMedia(opts);
  }

  async publish(opts = {}) {
    if (this.pub) throw new SoukError("already_publishing", "already publishing");
    const stream = opts.stream || (await this.getMedia(opts));
    this.localStream = stream;
    const wanted = this.red && opts.red !== false && (opts.redCopies ?? 2) > 1;
    const mode = wanted ? await copiesMode() : null; // sdk/red.js: in a worker, else on the main thread, else none
    const copies = mode ? (opts.redCopies ?? 2) : 1;
    const pc = mode === "main" ? this._pc({ encodedInsertableStreams: true }) : this._pc();
    this.pub = { pc, stream };
    this.simulcast = !!opts.simulcast;
    for (const track of stream.getTracks()) {
      const init = { direction: "sendonly", streams: [stream] };
      if (track.kind === "video" && this.simulcast) init.sendEncodings = SIMULCAST.map((e) => ({ ...e }));
      else if (track.kind === "video") init.sendEncodings = temporalLayers(opts.temporalLayers); // sdk/resilience.js
      try {
        pc.addTransceiver(track, init);
      } catch (e) { // a browser without scalabilityMode for this codec: one plain encoding
        if (!init.sendEncodings || this.simulcast) throw e;
        delete init.sendEncodings;
        pc.addTransceiver(track, init);
      }
    }
    if (mode) this.pub.redStats = await addCopies(pc, copies, mode); // RED: 2 copies a packet once it is RED
    const early = [];
    let answered = false;
    pc.onicecandidate = (ev) => {
      const cand = ev.candidate ? ev.candidate.toJSON() : null;
      if (cand && !cand.candidate) return;
      if (answered) this.client.send({ type: "trickle", target: "pub", candidate: cand });
      else early.push(cand);
    };
    pc.onconnectionstatechange = () => this.emit("connection", { target: "pub", state: pc.connectionState });
    let sdp = opusResilient((await pc.createOffer()).sdp); // Opus FEC + DTX
    if (this.red && opts.red !== false) sdp = redPublishOffer(sdp) || sdp; // RED on 111 over Opus (sdk/red.js)
    const offer = { type: "offer", sdp };
    await pc.setLocalDescription(offer);
    this._ice.watch(pc, "pub");
    const reply = await this.client.request({
      type: "publish", sdp: offer.sdp,
      audio: stream.getAudioTracks().length > 0, video: stream.getVideoTracks().length > 0,
    });
    const answer = reply.red ? redPublishAnswer(reply.sdp, offer.sdp) : null; // the server took it as a RED feed
    if (reply.red && !answer) console.warn("souk: Janus's answer does not fit RED; publishing plain Opus");
    this.pub.red = !!answer;
    this.pub.redCopies = answer ? copies : 0; // redundant copies of each frame in its RED packets
    await pc.setRemoteDescription({ type: "answer", sdp: answer || reply.sdp });
    answered = true;
    for (const cand of early) this.client.send({ type: "trickle", target: "pub", candidate: cand });
    this.emit("local", { stream });
    return stream;
  }

  // Pick the simulcast layer of a feed this room is subscribed to (the publisher sent simulcast):
  // substream 0 (lowest) .. 2 (highest); temporal 0..2 optional. Live rooms only (server answers
  // layer_unsupported elsewhere).
  async layer(participant, substream, temporal) {
    const sub = [...this.subs.values()].find((s) => s.participant === participant);
    if (!sub) throw new SoukError("unknown_feed", `not subscribed to ${participant}`);
    const msg = { type: "layer", sub: sub.id, substream };
    if (temporal !== undefined) msg.temporal = temporal;
    await this.client.request(msg);
    sub.layer = substream;
  }

  // Receive a participant's feed: switches the warm subscription to it when there is one (no new
  // PeerConnection); if that fails for any reason the warm one is closed and a fresh subscription is made.
  async subscribe(participant, { useWarm = true } = {}) {
    const warm = useWarm ? await this._takeWarm() : null;
    if (warm) {
      try {
        return await this._switch(warm, participant);
      } catch (e) {
        console.warn(`souk: switching the warm subscription to ${participant} failed (${e.code || e.message}); subscribing instead`);
        this._closeSub(warm);
      }
    }
    if (this.closed) throw new SoukError("connection_closed", "left the room");
    return this._acceptOffer(await this.client.request({ type: "subscribe", feed: participant }));
  }

  // Open the subscriber PeerConnection before there is anyone to watch (a 1v1 call while it rings): ICE
  // and DTLS come up now, held on our own feed (its video relayed a few seconds, until Janus can resend
  // lost packets on it, then nothing: the server says "warmed"); the next feed this room subscribes to is
  // switched onto it. Call it after publish(). Resolves with the warm sub once connected, or null when a
  // subscription is already there or under way (nothing to warm); rejects, closing what it opened, on a
  // server refusal (not_publishing, already_warm, warm_unsupported), a failure, or after timeoutMs.
  warm({ timeoutMs = WARM_TIMEOUT_MS } = {}) {
    this.wantWarm = true;
    const held = [...this.subs.values()].find((x) => x.warm && !x.claimed && x.ready);
    if (held) return held.ready;
    if (!this._warm) this._warm = this._openWarm(timeoutMs).finally(() => { this._warm = null; });
    return this._warm;
  }

  async _openWarm(timeoutMs) {
    if (this.closed) throw new SoukError("connection_closed", "left the room");
    if (!this.pub) throw new SoukError("not_publishing", "publish first: a warm subscription is held on your own feed");
    const deadline = Date.now() + timeoutMs;
    // The server answers our messages in order and holds `warm` until our feed is up in Janus: ask once our
    // publisher is connected, so none of its trickled candidates queues behind that wait.
    const pubUp = whenConnected(this.pub.pc, timeoutMs, "the publisher connection");
    this._abortWarm = pubUp.abort; // _teardown/_resume close the PC, which fires no event
    try {
      await pubUp.promise;
    } finally {
      this._abortWarm = null;
    }
    if (this._following.size || [...this.subs.values()].some((x) => !x.warm)) return null;
    const warming = this.client.request({ type: "warm" }).then((reply) => this._acceptOffer(reply));
    this._warming = warming.catch(() => null); // what _takeWarm waits for: never rejects
    let sub;
    try {
      sub = await warming;
    } catch (failure) {
      if (failure.code === "warm_unsupported") this.wantWarm = false; // a live-show viewer: never again
      throw failure;
    } finally {
      this._warming = null;
    }
    const up = whenConnected(sub.pc, Math.max(0, deadline - Date.now()), "the warm connection");
    sub.abort = up.abort;
    sub.ready = up.promise.then(() => sub);
    try {
      return await sub.ready;
    } catch (e) {
      if (sub.warm && !sub.claimed) this._closeSub(sub); // a switch under way decides for itself
      throw e;
    } finally {
      sub.abort = null;
    }
  }

  // An unswitched warm subscription that is still usable, claimed for one switch (waits for a warm
  // offer/answer under way, a round trip, rather than subscribing beside it).
  async _takeWarm() {
    if (this._warming) await this._warming;
    for (const sub of this.subs.values()) {
      if (sub.warm && !sub.claimed && !["failed", "closed"].includes(sub.pc.connectionState)) {
        sub.claimed = true;
        return sub;
      }
    }
    return null;
  }

  async _switch(sub, participant) {
    // switch once the warm connection is up: Janus asks the publisher for a keyframe at the switch, one that
    // arrives before DTLS is done is lost, and Janus asks again no sooner than a second later
    if (sub.ready) await sub.ready.catch(() => null);
    const reply = await this.client.request({ type: "switch", sub: sub.id, feed: participant });
    if (this.subs.get(sub.id) !== sub) throw new SoukError("unknown_subscription", "the warm subscription was closed meanwhile");
    if (["failed", "closed"].includes(sub.pc.connectionState)) throw new SoukError("network", "the warm connection failed");
    const feed = this.feeds.get(participant);
    const missing = ["audio", "video"].filter((k) => feed && feed[k] && !(reply.kinds || []).includes(k));
    if (missing.length) throw new SoukError("switch_incompatible", `the warm subscription cannot carry ${missing.join(", ")}`);
    sub.participant = participant;
    sub.warm = false;
    sub.claimed = false;
    sub.switchedBy = "client";
    for (const track of sub.stream.getTracks()) this.emit("track", { participant, stream: sub.stream, track });
    this.emit("switched", { participant, sub: sub.id });
    return sub;
  }

  // A consult was answered and the server switched our warm subscription to the other side's feed itself
  // (souk.signal.seat), before telling us of that feed: it now carries that participant, as after _switch.
  // Ignored when a switch of our own is under way for it (its reply decides) or the sub is not ours.
  _onSwitched(msg) {
    const sub = this.subs.get(msg.sub);
    if (!sub || !sub.warm || sub.claimed || ["failed", "closed"].includes(sub.pc.connectionState)) return;
    sub.participant = msg.feed;
    sub.warm = false;
    sub.switchedBy = "server";
    for (const track of sub.stream.getTracks()) this.emit("track", { participant: msg.feed, stream: sub.stream, track });
    this.emit("switched", { participant: msg.feed, sub: sub.id, by: "server" });
  }

  // Answer a Janus subscriber offer (subscribe, join-time offers, warm) on a new PeerConnection.
  async _acceptOffer(reply) {
    const pc = this._pc();
    const stream = new MediaStream();
    const warm = !!reply.warm;
    // lip sync kept for simulcast feeds (a live show) only; a warm subscription relays our own feed
    const feed = reply.feed ? this.feeds.get(reply.feed) : null;
    const lipSync = this.lipSync === "auto" ? !!(feed ? feed.simulcast : this.simulcast) : !!this.lipSync;
    const sub = { pc, participant: warm ? null : reply.feed, stream, id: reply.sub, warm, lipSync };
    this.subs.set(reply.sub, sub);
    pc.ontrack = (ev) => {
      stream.addTrack(ev.track);
      if (!sub.warm) this.emit("track", { participant: sub.participant, stream, track: ev.track }); // warm: on switch
    };
    const early = [];
    let answered = false;
    pc.onicecandidate = (ev) => {
      const cand = ev.candidate ? ev.candidate.toJSON() : null;
      if (cand && !cand.candidate) return;
      if (answered) this.client.send({ type: "trickle", target: reply.sub, candidate: cand });
      else early.push(cand);
    };
    pc.onconnectionstatechange = () => {
      if (!sub.warm) this.emit("connection", { target: reply.sub, participant: sub.participant, state: pc.connectionState });
      else if (pc.connectionState === "failed" && !sub.claimed) this._closeSub(sub); // nothing to show: fall back quietly
    };
    try {
      const offer = subscriberOffer(reply.sdp, { lipSync, red: reply.red }); // sdk/resilience.js
      sub.red = offer.red;
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      const answer = { type: "answer", sdp: opusResilient((await pc.createAnswer()).sdp) }; // Opus FEC + DTX
      await pc.setLocalDescription(answer);
      this._ice.watch(pc, reply.sub);
      const forJanus = (sub.red && redForJanus(answer.sdp, sub.red)) || answer.sdp; // Janus knows Opus alone
      await this.client.request({ type: "answer", sub: reply.sub, sdp: forJanus });
    } catch (e) {
      this._closeSub(sub);
      throw e;
    }
    answered = true;
    for (const cand of early) this.client.send({ type: "trickle", target: reply.sub, candidate: cand });
    return sub;
  }

  // Close a subscription here and tell the server (which may have dropped it already: errors ignored).
  // Stop receiving a participant's feed: its subscriptions are closed here and on the server.
  unsubscribe(participant) {
    for (const sub of [...this.subs.values()]) if (sub.participant === participant) this._closeSub(sub);
  }

  _closeSub(sub) {
    if (this.subs.get(sub.id) !== sub) return;
    this._discard(sub);
    if (!this.closed) this.client.request({ type: "unsubscribe", sub: sub.id }).catch(() => {});
  }

  // Forget a subscription locally (the server released it, or is told separately).
  _discard(sub, err = new SoukError("connection_closed", "subscription closed")) {
    if (this.subs.get(sub.id) === sub) this.subs.delete(sub.id);
    if (sub.abort) sub.abort(err);
    this._ice.forget(sub.pc);
    sub.pc.close();
  }

  async mute(kind, muted) {
    const tracks = this.localStream ? (kind === "audio" ? this.localStream.getAudioTracks() : this.localStream.getVideoTracks()) : [];
    for (const t of tracks) t.enabled = !muted;
    this.muted[kind] = muted;
    if (this.pub) await this.client.request({ type: "mute", kind, muted });
  }

  async switchDevice(kind, deviceId) {
    if (!this.pub) return;
    const fresh = await this.getMedia({ audio: kind === "audio", video: kind === "video",
      audioDeviceId: kind === "audio" ? deviceId : undefined, videoDeviceId: kind === "video" ? deviceId : undefined });
    const track = kind === "audio" ? fresh.getAudioTracks()[0] : fresh.getVideoTracks()[0];
    const sender = this.pub.pc.getSenders().find((s) => s.track && s.track.kind === kind);
    if (!sender || !track) return;
    const old = sender.track;
    await sender.replaceTrack(track);
    track.enabled = !this.muted[kind];
    this.localStream.removeTrack(old);
    this.localStream.addTrack(track);
    old.stop();
    this.emit("local", { stream: this.localStream });
  }

  // A warm PeerConnection is left out: it relays the page's own video for a few seconds (while Janus sizes
  // its retransmission queue), then nothing, until it is switched to someone.
  async quality() {
    return readQuality(this.pub?.pc || null, [...this.subs.values()].filter((s) => !s.warm).map((s) => s.pc));
  }

  // After a reconnect: the server forgot our handles, so rejoin, resubscribe and republish the same stream,
  // and warm again if the page asked for it and there is still nobody to watch.
  async _resume() {
    const { stream, republish } = this._dropMedia(new SoukError("connection_closed", "signaling reconnected"));
    const joined = await this.client.request({ type: "join", room: this.id, subscribe: this.autoSubscribe });
    this.participants = new Map((joined.participants || []).map((p) => [p.identity, p]));
    this.feeds = new Map((joined.feeds || []).map((f) => [f.participant, f]));
    this.red = !!joined.red;
    if (this.autoSubscribe) this._subscribeJoined(joined);
    if (republish && stream) await this._republish(stream);
  }

  // media.reset: the media server (Janus) was lost and the room is back on it; the server dropped our
  // publisher and subscriptions. Close the dead PeerConnections, publish the same tracks again and
  // subscribe again: to the feeds still up now, and to the others as their owners republish ("published").
  // No page action is needed; the page hears "media.reset" and, as usual, "track.ended" then "track".
  async _mediaReset() {
    if (this.closed) return;
    const ended = [...this.subs.values()].map((s) => s.participant).filter((p) => p);
    const { stream, republish } = this._dropMedia(new SoukError("media_reset", "the media server restarted"));
    for (const participant of ended) this.emit("track.ended", { participant });
    this.emit("media.reset", { room: this.id });
    try {
      if (this.autoSubscribe) {
        for (const feed of this.feeds.values()) if (feed.participant !== this.identity) this._follow(feed.participant);
      }
      if (republish && stream) await this._republish(stream);
    } catch (e) {
      if (!this.closed) this.emit("error", e);
    }
  }

  // Forget every subscription and close the publisher's PeerConnection (the server has dropped them).
  _dropMedia(err) {
    for (const sub of [...this.subs.values()]) this._discard(sub, err);
    const stream = this.localStream;
    const republish = !!this.pub;
    if (this._abortWarm) this._abortWarm(err);
    if (this.pub) { this._ice.forget(this.pub.pc); this.pub.pc.close(); this.pub = null; }
    return { stream, republish };
  }

  // Publish the same stream again (mute state kept), and warm again if the page asked for it and there is
  // still nobody to watch.
  async _republish(stream) {
    this.localStream = null;
    await this.publish({ stream, simulcast: this.simulcast });
    for (const kind of ["audio", "video"]) if (this.muted[kind]) await this.mute(kind, true);
    if (this.wantWarm && !this.subs.size && !this._following.size) {
      this.warm().catch((e) => console.warn(`souk: warming again failed (${e.code || e.message})`));
    }
  }

  _teardown() {
    this.closed = true;
    if (this._reporter) { this._reporter.stop(); this._reporter = null; } // a last report, from the last counters
    if (this._adapter) { this._adapter.stop(); this._adapter = null; }
    if (this._playout) { this._playout.stop(); this._playout = null; }
    this._ice.stop();
    for (const off of this._off) off();
    if (this._abortWarm) this._abortWarm(new SoukError("connection_closed", "left the room"));
    for (const sub of [...this.subs.values()]) this._discard(sub);
    if (this.pub) {
      this.pub.pc.close();
      this.pub = null;
    }
    if (this.localStream) {
      for (const t of this.localStream.getTracks()) t.stop();
      this.localStream = null;
    }
  }

  async leave() {
    this._teardown();
    try {
      await this.client.request({ type: "leave" });
    } catch (e) {
      if (e.code !== "connection_closed") throw e;
    }
    if (this.client.room === this) this.client.room = null;
  }
}
