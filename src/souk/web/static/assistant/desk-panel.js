// The desk's side of the assistant widget: what the shopper is told after "Talk to a person" (queued with
// the wait, after hours with when, nobody online, assigned with the agent's name), the people's messages
// live, the e-mail offer, a ringing video call (Accept / Decline) and the CSAT form after close.
// DOM only through textContent; the wording comes from labels.js in the shopper's language.
//
//   const desk = attachDesk({ chat, log, add, lang: () => lang, voice: () => voiceSession, target, status });
//   desk.asked()   after the shopper asked for a person: a pending line until the desk's answer comes

import { deskReader } from "./desk-reader.js";
import { EMAIL, label, noticeText } from "./labels.js";

const PENDING_TIMEOUT_MS = 15000; // no answer from the desk by then: say so instead of waiting forever

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

// Speak a person's message in voice mode with the browser's own speech synthesis, when it has a voice for
// the language (headless browsers often have none: the message is shown either way).
function speak(text, lang) {
  try {
    const synth = window.speechSynthesis;
    if (!synth || !synth.getVoices().some((v) => v.lang && v.lang.toLowerCase().startsWith(lang))) return false;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = lang;
    synth.speak(u);
    return true;
  } catch { return false; }
}

export function attachDesk({ chat, log, add, lang, voice, target, status, person = null }) {
  const L = (key, values) => label(lang(), key, values);
  const state = { status: "ai", agentName: "", pending: null, pendingTimer: null, emailBox: null, ring: null,
                  csatBox: null, callId: null, lastNotice: null, announced: false };
  const reader = deskReader({ chat, lang }); // a person's message in the shopper's language

  const scroll = () => { log.scrollTop = log.scrollHeight; };
  const setStatus = (s) => {
    state.status = s;
    const text = s === "assigned" ? L("status_assigned", { name: state.agentName || L("team") })
      : s === "queued" ? L("status_queued") : L("status_ai");
    status.textContent = text;
    status.dataset.status = s;
    if (person) person.disabled = s === "queued" || s === "assigned"; // already with the team
  };
  const clearPending = () => {
    clearTimeout(state.pendingTimer);
    if (state.pending) state.pending.remove();
    state.pending = null;
  };

  function asked() {
    clearPending();
    state.pending = add("notice pending", L("human_pending"));
    state.pendingTimer = setTimeout(() => {
      if (state.pending) { state.pending.textContent = L("no_answer"); state.pending.classList.remove("pending"); state.pending = null; }
    }, PENDING_TIMEOUT_MS);
  }

  function emailOffer() {
    if (state.emailBox) return;
    const form = el("form", "souk-email");
    const prompt = el("div", "souk-email-prompt", L("email_prompt"));
    const input = el("input");
    input.type = "email"; input.placeholder = L("email_placeholder"); input.maxLength = 254;
    input.setAttribute("aria-label", L("email_placeholder"));
    const btn = el("button", null, L("email_send")); btn.type = "submit";
    const row = el("div", "souk-row"); row.append(input, btn);
    form.append(prompt, row);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const address = input.value.trim();
      if (!EMAIL.test(address)) { prompt.textContent = L("email_bad"); return; }
      chat.email(address);
      form.replaceWith(el("div", "souk-msg notice", L("email_thanks", { email: address })));
    });
    state.emailBox = form;
    log.append(form); scroll();
  }

  // One line per change: the "assigned" timeline event and the assigned status both announce the person.
  const announce = (key, cls, text) => {
    if (state.lastNotice === key) return;
    state.lastNotice = key;
    add(cls, text);
  };

  // The page hears of a hand-off once (souk-assistant-handoff {kind: "human"}), whether the AI handed off in a
  // reply or the desk answered "Talk to a person"; again only after the conversation came back to the AI.
  function handedOff(kind = "human", reason = null) {
    if (state.announced) return;
    state.announced = true;
    target.dispatchEvent(new CustomEvent("souk-assistant-handoff", {
      bubbles: true, detail: { kind, reason, language: lang() },
    }));
  }

  function onStatus({ status: s, notice }) {
    clearPending();
    if (s === "queued" || s === "assigned") handedOff("human", notice ? notice.kind : null);
    else if (s === "ai" || s === "closed") state.announced = false;
    if (notice && notice.agent_name) state.agentName = notice.agent_name;
    if (notice) {
      const key = notice.kind === "assigned" ? `assigned:${notice.agent_name || ""}`
        : `${notice.kind}:${notice.position ?? ""}:${notice.wait_s ?? ""}:${notice.opens_at || ""}`;
      announce(key, `notice desk-${notice.kind || "unknown"}`, noticeText(lang(), notice));
      if (notice.email_offer) emailOffer();
    } else if (s === "ai" && state.status !== "ai") add("notice", L("back_to_ai"));
    else if (s === "closed" && state.status !== "closed") add("notice", L("closed"));
    setStatus(s || state.status);
  }

  function onEvent({ event }) {
    if (!event || !event.kind) return;
    switch (event.kind) {
      case "agent_message": {
        clearPending();
        const name = event.agent_name || state.agentName || L("team");
        const m = add("human", "");
        const body = el("span", "souk-text", event.text || "");
        m.append(body);
        m.dataset.agent = name;
        m.prepend(el("span", "souk-who", name));
        reader(m, body, event.seq, event.text || "").catch(() => {});
        const v = voice();
        if (v && !v.speaksDesk) speak(event.text || "", lang()); // else the voice session speaks it
        break;
      }
      case "assigned":
      case "transferred":
        if (event.kind === "transferred" && !event.to_agent) break; // back to a queue: desk_status says so
        clearPending();
        if (event.agent_name) state.agentName = event.agent_name;
        announce(`assigned:${state.agentName}`, "notice desk-assigned",
                 state.agentName ? L("assigned", { name: state.agentName }) : L("assigned_anon"));
        setStatus("assigned");
        break;
      case "handed_back":
        add("notice", L("back_to_ai")); setStatus("ai"); break;
      case "closed":
        if (state.status !== "closed") add("notice", L("closed"));
        setStatus("closed"); break;
      case "call_started":
        state.callId = event.call_id;
        break;
      case "call_ended":
        stopRing();
        if (state.callId === event.call_id) { add("notice", L("call_ended")); state.callId = null; }
        break;
      default: break;
    }
  }

  function stopRing() {
    if (state.ring) { state.ring.remove(); state.ring = null; }
  }

  // A declined offer needs nothing from the server (the offer lapses); a rung call with a room token is hung up.
  async function decline(frame, quiet = false) {
    stopRing();
    if (frame.token && frame.call_id) {
      // on the chat's node: a page of another origin (the storefront embed) has its Souk at chat.baseUrl
      await fetch(new URL(`/v1/consults/${encodeURIComponent(frame.call_id)}/hangup`, chat.baseUrl || location.href), {
        method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${frame.token}` }, body: "{}",
      }).catch(() => {});
    }
    if (!quiet) add("notice", L("call_declined"));
  }

  // The page that holds a call UI (the product page) takes the call and calls preventDefault(): it starts the
  // consult call for this conversation (call_offer) or joins the rung room (call, with a room token).
  function accept(frame) {
    stopRing();
    const detail = { ...frame, language: lang(), conversation_id: frame.conversation_id || chat.sessionId };
    const ev = new CustomEvent("souk-assistant-call", { bubbles: true, cancelable: true, detail });
    target.dispatchEvent(ev);
    if (!ev.defaultPrevented) { add("notice", L("call_unavailable")); decline(frame, true); return; }
    add("notice", L("call_joining"));
  }

  function onCall(frame) {
    stopRing();
    const name = frame.agent_name || state.agentName;
    const box = el("div", "souk-ring");
    box.append(el("div", "souk-ring-text", name ? L("call_ring", { name }) : L("call_ring_anon")));
    const yes = el("button", "souk-accept", L("call_accept"));
    const no = el("button", "souk-decline", L("call_decline"));
    yes.type = "button"; no.type = "button";
    yes.onclick = () => accept(frame);
    no.onclick = () => decline(frame);
    const row = el("div", "souk-row"); row.append(yes, no);
    box.append(row);
    state.ring = box;
    log.append(box); scroll();
  }

  function onCsat() {
    if (state.csatBox) return;
    const form = el("form", "souk-csat");
    form.append(el("div", "souk-csat-ask", L("csat_ask")));
    const stars = el("div", "souk-stars");
    let score = 0;
    const buttons = [1, 2, 3, 4, 5].map((n) => {
      const b = el("button", "souk-star", "★");
      b.type = "button"; b.dataset.score = String(n);
      b.setAttribute("aria-label", L("csat_star", { n }));
      b.onclick = () => {
        score = n;
        buttons.forEach((x, i) => x.classList.toggle("on", i < n));
        submit.disabled = false;
      };
      return b;
    });
    stars.append(...buttons);
    const comment = el("textarea", "souk-csat-comment");
    comment.maxLength = 1000; comment.rows = 2; comment.placeholder = L("csat_comment");
    const submit = el("button", "souk-csat-send", L("csat_send"));
    submit.type = "submit"; submit.disabled = true;
    form.append(stars, comment, submit);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (!score) return;
      chat.csat(score, comment.value.trim());
      form.replaceWith(el("div", "souk-msg notice souk-csat-done", L("csat_thanks")));
    });
    state.csatBox = form;
    log.append(form); scroll();
  }

  chat.on("desk_status", onStatus);
  chat.on("desk", onEvent);
  chat.on("call_offer", onCall);
  chat.on("call", onCall);
  chat.on("csat_request", onCsat);
  chat.on("new_conversation", () => { state.announced = false; setStatus("ai"); }); // after a person closed one
  setStatus("ai");

  return {
    asked,
    handedOff,
    state,
    relabel: () => setStatus(state.status),
  };
}

export const DESK_CSS = `
.souk-assistant .souk-status{font-size:11px;font-weight:400;color:#666;padding:0 10px 4px}
.souk-assistant .souk-status[data-status=queued]{color:#b26a00}.souk-assistant .souk-status[data-status=assigned]{color:#0f7b6c}
.souk-msg.human{align-self:flex-start;background:#e6f4f1;border:1px solid #bfe3db}
.souk-msg.human .souk-who{display:block;font-size:11px;font-weight:600;color:#0f7b6c}
.souk-msg.pending{opacity:.75}
.souk-assistant form.souk-email,.souk-assistant form.souk-csat,.souk-ring{align-self:stretch;border:1px solid #f0c890;background:#fffaf2;border-radius:10px;padding:8px;display:flex;flex-direction:column;gap:6px}
.souk-assistant .souk-row{display:flex;gap:6px}.souk-email input{flex:1}
.souk-ring{border-color:#0f7b6c;background:#eefaf7;animation:souk-pulse 1s infinite alternate}
@keyframes souk-pulse{from{box-shadow:0 0 0 0 #0f7b6c33}to{box-shadow:0 0 0 5px #0f7b6c11}}
.souk-assistant .souk-accept{background:#0f7b6c;color:#fff;border-color:#0f7b6c}.souk-assistant .souk-decline{background:#fff}
.souk-stars{display:flex;gap:2px}.souk-assistant .souk-star{font-size:20px;line-height:1;color:#bbb;background:none;border:none;padding:2px}
.souk-assistant .souk-star.on{color:#f0a040}.souk-csat-comment{font:inherit;border:1px solid #ccc;border-radius:8px;padding:4px}
[dir=rtl] .souk-msg.human{align-self:flex-end}`;
