// Private calls in the studio: viewers of this show who press "Ask privately" ring here (and on the seller
// console). Calls ring for the merchant's staff, so this needs a staff token: #staff=<token> in the URL, or on
// a demo server the demo seller token. Accept opens the call panel; the show keeps running meanwhile.
import { connect, getMedia } from "/static/sdk/souk.js";
import { CallUI, renderRinging } from "./call-ui.js";
import { Backstage } from "./console-backstage.js";
import { $, rest, text } from "./live-common.js";

const FINAL = ["ended", "cancelled", "declined", "missed", "failed"];

export async function mountConsults(roomId) {
  const state = { token: null, console: null, ringing: new Map(), call: null, client: null, room: null, roomToken: null };
  window.soukStudioCalls = state; // for tests and debugging
  const ui = new CallUI();
  const list = $("consults");

  const render = () => renderRinging(list, [...state.ringing.values()], {
    empty: "No private call requests.",
    describe: (c) => {
      const who = document.createElement("span");
      who.className = "name";
      const cart = c.origin_cart && c.origin_cart.items ? ` · cart ${c.origin_cart.items} items, ${c.origin_cart.total} ${c.origin_cart.currency}` : "";
      text(who, `${c.shopper_name || c.shopper} about ${c.product_name || c.product_sku || "the show"}${cart}${c.note ? ` · “${c.note}”` : ""}`);
      return who;
    },
    accept: (c) => acceptCall(c),
    decline: (c) => rest("POST", `/v1/consults/${encodeURIComponent(c.call_id)}/decline`, state.token, {}).catch((e) => ui.error(e)),
  });

  const finish = (message) => {
    // leaving stops this call's own camera stream, not the show's
    if (state.client === state.console) state.room?.leave().catch(() => {}); // prepared: the socket stays
    else if (state.client) state.client.close();
    state.client = null;
    state.room = null;
    state.call = null;
    state.roomToken = null;
    ui.end(message);
    render();
    prepareNext();
  };

  // While a call rings, prepare it backstage (console-backstage.js): accepting is then a switch on both sides.
  const prepareNext = () => {
    if (!state.backstage || state.call || state.backstage.busy) return;
    const next = state.ringing.values().next().value;
    if (next) state.backstage.prepare(next);
  };

  // The accepted call was prepared: the server seats us and both sides switch their warm connections. False
  // (its room left) when the preparation failed: the caller joins the usual way.
  async function seated(prep) {
    try {
      state.room = await prep.joined;
      state.client = state.console;
      ui.attach(state.room);
      if (state.room.localStream) ui.local.srcObject = state.room.localStream;
      await prep.published;
      return true;
    } catch (e) {
      console.warn("souk: the private call prepared while it rang failed; joining it the usual way", e.code || e);
      Backstage.leave(prep);
      state.client = null;
      state.room = null;
      return false;
    }
  }

  async function acceptCall(c) {
    if (state.call) return;
    const prep = state.backstage ? state.backstage.take(c.call_id) : null;
    state.call = c;
    ui.show(`Connecting to ${c.shopper_name || c.shopper}…`);
    try {
      const res = await rest("POST", `/v1/consults/${encodeURIComponent(c.call_id)}/accept`, state.token, {});
      state.call = res.call;
      state.roomToken = res.token;
      ui.startTimer(res.call.answered_at);
      if (prep && await seated(prep)) {
        ui.status(`Private call with ${c.shopper_name || c.shopper}`);
        return;
      }
      state.client = await connect({ token: res.token });
      state.client.on("call", ({ call }) => { if (FINAL.includes(call.state)) finish(call.state === "ended" ? "Call ended." : `Call ${call.state}.`); });
      state.client.on("close", () => { if (state.call) finish("The connection to the call was lost."); });
      state.room = await state.client.join(res.call.room);
      ui.attach(state.room);
      ui.status(`Private call with ${c.shopper_name || c.shopper}`);
      await state.room.publish({ audio: true, video: true });
    } catch (e) {
      if (prep) Backstage.leave(prep); // e.g. the accept lost to another seller's: leave the prepared room too
      if (state.roomToken) await rest("POST", `/v1/consults/${encodeURIComponent(state.call.call_id)}/hangup`, state.roomToken, {}).catch(() => {});
      finish("Call failed.");
      ui.error(e);
    }
  }

  $("hangup-btn").addEventListener("click", async () => {
    if (state.call && state.roomToken) {
      await rest("POST", `/v1/consults/${encodeURIComponent(state.call.call_id)}/hangup`, state.roomToken, {}).catch(() => {});
    }
    finish("Call ended.");
  });

  try {
    const m = /(?:^#|&)staff=([^&]+)/.exec(window.location.hash);
    state.token = m ? decodeURIComponent(m[1]) : (await rest("POST", "/v1/demo/tokens", null, { as: "seller" })).token;
  } catch (e) {
    text($("consults-status"), "Private calls ring on the seller console (open the studio with #staff=<token> to answer here).");
    return state;
  }
  state.console = await connect({ token: state.token });
  state.console.on("call", ({ call }) => {
    if (call.origin_room !== roomId) return; // calls from elsewhere ring on the console
    if (call.state === "ringing") state.ringing.set(call.call_id, call);
    else {
      state.ringing.delete(call.call_id);
      if (!(state.call && state.call.call_id === call.call_id)) state.backstage.drop(call.call_id);
    }
    if (state.call && call.call_id === state.call.call_id && FINAL.includes(call.state)) finish(`Call ${call.state}.`);
    prepareNext();
    render();
  });
  state.backstage = new Backstage(state.console, () => getMedia({ audio: true, video: true }));
  state.console.on("close", () => text($("consults-status"), "Private calls: disconnected — reload to reconnect."));
  text($("consults-status"), "");
  render();
  state.ready = true;
  return state;
}


