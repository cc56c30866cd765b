// The desk's "Video call" button: offer video to the shopper (POST /v1/desk/conversations/{id}/video, her
// widget rings); when she accepts, her consult call rings this desk ({"type":"call"} on the staff socket) and
// the agent answers it the way the seller console does: accept, connect, join, publish.
import { connect, getMedia } from "/static/sdk/souk.js";
import { CallUI, api } from "./call-ui.js";

const FINAL = ["ended", "cancelled", "declined", "missed", "failed"];
// The widget sends nothing when the shopper declines (or is gone): stop waiting after this long.
export const OFFER_TIMEOUT_MS = 60000;

export class DeskCall {
  constructor({ token, onChange = () => {} }) {
    this.token = token;
    this.onChange = onChange;
    this.ui = new CallUI();
    this.conversationId = null; // the conversation the offer or the call belongs to
    this.call = null;
    this.client = null;
    this.room = null;
    this.roomToken = null;
    this.camera = null;
    this.marks = {};
    this.offerTimer = null;
    document.getElementById("hangup-btn").addEventListener("click", () => this.hangup());
  }

  get busy() { return this.conversationId !== null; }

  // Ring the shopper. Starts the camera meanwhile, so answering does not wait for it.
  async offer(conversationId, shopper) {
    if (this.busy) throw Object.assign(new Error("already in a call"), { code: "call_active" });
    this.conversationId = conversationId;
    this.marks = { offer: Date.now() };
    this.ui.show(`Ringing ${shopper}'s assistant widget…`);
    this.camera = getMedia({ audio: true, video: true });
    this.camera.catch(() => { this.camera = null; });
    this.onChange();
    try {
      await api(`/v1/desk/conversations/${encodeURIComponent(conversationId)}/video`, this.token, {});
      this.marks.offered = Date.now();
      this.ui.status(`Ringing ${shopper}'s assistant widget… (Hang up to withdraw the offer)`);
      this.offerTimer = setTimeout(() => this.cancelOffer("The shopper did not accept the video call."), OFFER_TIMEOUT_MS);
    } catch (e) {
      this.finish("Video call not started.");
      this.ui.error(e);
      throw e;
    }
  }

  // {"type":"call", conversation_id, call_id, room_id} from the staff socket: the shopper accepted.
  async answer(frame) {
    // Only the page whose offer waits answers: another tab of the same agent leaves it alone (declining there
    // would race the answering tab); an offer withdrawn or timed out rings out on the consult's ring timeout.
    if (this.call || frame.conversation_id !== this.conversationId) return;
    clearTimeout(this.offerTimer);
    this.conversationId = frame.conversation_id;
    this.call = { call_id: frame.call_id, room: frame.room_id, state: "ringing" };
    this.marks.rang = Date.now();
    this.ui.status("The shopper accepted, connecting…");
    try {
      const res = await api(`/v1/consults/${encodeURIComponent(frame.call_id)}/accept`, this.token, {});
      this.call = res.call;
      this.roomToken = res.token;
      this.ui.startTimer(res.call.answered_at);
      this.client = await connect({ token: res.token });
      this.client.on("call", ({ call }) => this.onCall(call));
      this.client.on("reconnecting", () => this.ui.status("Connection lost, reconnecting…"));
      this.client.on("reconnected", () => this.ui.status("In the video call"));
      this.client.on("close", () => { if (this.call) this.finish("The connection to the call was lost."); });
      this.room = await this.client.join(res.call.room);
      this.ui.attach(this.room);
      this.ui.status("In the video call with the shopper");
      const pending = this.camera;
      this.camera = null; // the call owns the stream now (leaving stops its tracks)
      const stream = pending ? await pending.catch(() => null) : null;
      await this.room.publish(stream ? { stream } : { audio: true, video: true });
      this.marks.published = Date.now();
      this.onChange();
    } catch (e) {
      this.ui.error(e);
      await this.hangupCall();
      this.finish("Call failed.", true);
    }
  }

  onCall(call) {
    this.call = call;
    if (FINAL.includes(call.state)) this.finish(call.state === "ended" ? "Call ended." : `Call ${call.state}.`);
  }

  async hangupCall() {
    if (this.call && this.roomToken) {
      await api(`/v1/consults/${encodeURIComponent(this.call.call_id)}/hangup`, this.roomToken, {}).catch(() => {});
    }
  }

  async hangup() {
    await this.hangupCall();
    this.finish("Call ended.");
  }

  // The shopper declined or the offer lapsed: stop waiting (the server keeps no ringing state for an offer).
  cancelOffer(text = "Video offer withdrawn.") {
    if (!this.call) this.finish(text);
  }

  finish(text, keepError = false) {
    clearTimeout(this.offerTimer);
    if (this.client) this.client.close();
    if (this.camera) {
      const pending = this.camera;
      pending.then((s) => s.getTracks().forEach((t) => t.stop()), () => {});
    }
    this.client = null;
    this.room = null;
    this.call = null;
    this.roomToken = null;
    this.camera = null;
    this.conversationId = null;
    this.ui.end(text);
    if (!keepError) document.getElementById("call-error").classList.add("hidden");
    this.onChange();
  }
}
