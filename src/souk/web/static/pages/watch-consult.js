// "Ask privately" on the viewer page: a 1v1 consult with the host side, from the show (the cart comes along).
// The show keeps playing underneath; hanging up returns to it.
import { connect } from "/static/sdk/souk.js";
import { CallUI } from "./call-ui.js";
import { explain, rest } from "./live-common.js";

const FINAL = {
  declined: "The host can't take a private call right now.",
  missed: "Nobody answered. Please try again later.",
  cancelled: "Call cancelled.",
  ended: "Call ended. Back to the show.",
  failed: "The call was interrupted. Please try again.",
};

let ui = null;
const consult = { call: null, client: null, room: null, token: null, phase: "idle" };
window.soukConsult = consult; // for tests and debugging

function finish(message) {
  if (consult.phase === "idle") return;
  consult.phase = "idle";
  if (consult.client) consult.client.close();
  consult.client = null;
  consult.room = null;
  ui.end(message);
  document.getElementById("consult-btn").disabled = false;
}

async function hangup() {
  const { call, token } = consult;
  if (call && token && !(call.state in FINAL)) {
    try { await rest("POST", `/v1/consults/${encodeURIComponent(call.call_id)}/hangup`, token, {}); } catch { /* already over */ }
  }
  finish(FINAL.ended);
}

export async function askPrivately(state, call) {
  if (consult.phase !== "idle") return;
  if (!ui) {
    ui = new CallUI();
    document.getElementById("hangup-btn").addEventListener("click", hangup);
  }
  document.getElementById("consult-btn").disabled = true;
  consult.phase = "calling";
  ui.show("Asking the host for a private call…");
  try {
    const res = await call("POST", "/consult", { note: "", lang: (navigator.language || "en").slice(0, 2),
                                                 ...(state.pinned ? { sku: state.pinned.sku } : {}) });
    consult.call = res.call;
    consult.token = res.token;
    consult.client = await connect({ token: res.token });
    consult.client.on("call", ({ call: c }) => {
      consult.call = c;
      if (c.state === "ringing") ui.status("Ringing the host…");
      else if (c.state === "accepted") { consult.phase = "in-call"; ui.status("Private call with the host"); ui.startTimer(c.answered_at); }
      else finish(FINAL[c.state] || FINAL.ended);
    });
    consult.client.on("close", () => finish("The connection to the call was lost. Back to the show."));
    consult.room = await consult.client.join(res.call.room);
    ui.attach(consult.room);
    await consult.room.publish({ audio: true, video: true });
    // connect the receiving side too while it rings: the host's video then arrives on a switch (an optimisation:
    // without it the SDK subscribes as usual)
    consult.room.warm().catch((e) => console.warn("souk: no warm connection for the host's video", e.code || e));
  } catch (e) {
    await hangup();
    ui.error(e);
    ui.status(explain(e));
  }
}
