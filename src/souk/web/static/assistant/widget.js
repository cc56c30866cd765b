// The shopper assistant widget: chat panel with live transcript, order/product cards, an always-visible
// "talk to a person" button, a hands-free voice button (voice.js) and a photo button (photo.js: "do you have
// this?", the store's closest products as cards). The desk's side (what the shopper is
// told after asking for a person, the people's replies, a ringing video call, CSAT) is desk-panel.js.
//
//   import { mountAssistant } from "/static/assistant/widget.js";
//   const assistant = await mountAssistant({ token, target: document.body, language: "en" });
//   document.body.addEventListener("souk-assistant-handoff", (e) => startConsult(e.detail)); // {kind, reason}
//   document.body.addEventListener("souk-assistant-call", (e) => { e.preventDefault(); join(e.detail); });
//     // the desk rings a video call: {call_id, room_id, token}; a page without a call UI leaves it alone
//   assistant.destroy();

import { AssistantClient } from "./client.js";
import { renderCards } from "./cards.js";
import { DESK_CSS, attachDesk } from "./desk-panel.js";
import { LABELS, RTL } from "./labels.js";
import { PHOTO_CSS, attachPhoto } from "./photo.js";
import { aiNotice } from "../pages/consent.js";

const CSS = `
.souk-assistant{position:fixed;right:16px;bottom:16px;width:360px;max-height:70vh;display:flex;flex-direction:column;
  font:14px/1.4 system-ui,sans-serif;background:#fff;border:1px solid #ddd;border-radius:12px;box-shadow:0 6px 24px #0002;z-index:9999}
.souk-assistant header{display:flex;gap:6px;align-items:center;padding:8px 10px;border-bottom:1px solid #eee;font-weight:600}
.souk-assistant header .grow{flex:1}
.souk-assistant button{border:1px solid #ccc;background:#f7f7f7;border-radius:8px;padding:4px 8px;cursor:pointer}
.souk-assistant .souk-person{background:#fff3e0;border-color:#f0a040}
.souk-log{flex:1;overflow-y:auto;padding:8px;display:flex;flex-direction:column;gap:6px}
.souk-msg{padding:6px 9px;border-radius:10px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}
.souk-msg.user{align-self:flex-end;background:#e3f0ff}.souk-msg.agent{align-self:flex-start;background:#f2f2f2}
.souk-msg.partial{opacity:.6;font-style:italic}.souk-msg.notice{align-self:center;background:#fff3e0;font-size:12px}
.souk-cards{display:flex;gap:6px;overflow-x:auto}.souk-card{border:1px solid #e2e2e2;border-radius:8px;padding:6px;min-width:150px;font-size:12px}
.souk-card-head{font-weight:600}.souk-card-items{margin:4px 0;padding-left:16px}
.souk-assistant form{display:flex;gap:6px;padding:8px;border-top:1px solid #eee}.souk-assistant input{flex:1;padding:6px;border:1px solid #ccc;border-radius:8px}
[dir=rtl] .souk-msg.user{align-self:flex-start}[dir=rtl] .souk-msg.agent{align-self:flex-end}`;

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

export async function mountAssistant({ token, target = document.body, language = null, baseUrl = null, voice = true } = {}) {
  if (!token) throw new Error("mountAssistant needs an access token");
  let lang = language || (navigator.language || "en").slice(0, 2);
  if (!LABELS[lang]) lang = "en";
  const L = () => LABELS[lang] || LABELS.en;

  if (!document.getElementById("souk-assistant-css")) {
    const style = el("style"); style.id = "souk-assistant-css"; style.textContent = CSS + DESK_CSS + PHOTO_CSS; document.head.append(style);
  }
  const root = el("section", "souk-assistant");
  root.setAttribute("aria-label", L().title);
  const header = el("header");
  const title = el("span", "grow", L().title);
  const personBtn = el("button", "souk-person", L().person);
  const voiceBtn = el("button", "souk-voice", L().voice);
  header.append(title, personBtn);
  if (voice) header.append(voiceBtn);
  const status = el("div", "souk-status");
  status.setAttribute("aria-live", "polite");
  const log = el("div", "souk-log");
  log.setAttribute("aria-live", "polite");
  const form = el("form");
  const input = el("input"); input.placeholder = L().placeholder; input.maxLength = 10000;
  const send = el("button", null, L().send); send.type = "submit";
  form.append(input, send);
  root.append(header, status, log, form);
  target.append(root);

  let voiceSession = null;
  let partial = null;
  let desk = null;
  let photo = null;
  const add = (cls, text) => {
    const m = el("div", `souk-msg ${cls}`, text);
    log.append(m); log.scrollTop = log.scrollHeight; return m;
  };
  const relabel = () => {
    title.textContent = L().title; personBtn.textContent = L().person; input.placeholder = L().placeholder;
    send.textContent = L().send; voiceBtn.textContent = voiceSession ? L().stop : L().voice;
    root.dir = RTL.has(lang) ? "rtl" : "ltr";
    if (desk) desk.relabel();
    if (photo) photo.relabel();
  };
  const onAgent = (reply) => {
    if (reply.language && LABELS[reply.language]) { lang = reply.language; relabel(); }
    add("agent", reply.text || "");
    const cards = renderCards(reply.cards, lang);
    if (cards) { log.append(cards); log.scrollTop = log.scrollHeight; }
    if (reply.handoff) {
      // A person: the desk says truthfully when one answers (desk_status); until then a pending line.
      if (reply.handoff === "video") add("notice", L().video);
      else if (desk.state.status === "ai" && !desk.state.pending) desk.asked();
      if (reply.handoff === "video") {
        target.dispatchEvent(new CustomEvent("souk-assistant-handoff", {
          bubbles: true, detail: { kind: "video", reason: reply.handoff_reason, language: lang },
        }));
      } else desk.handedOff(reply.handoff, reply.handoff_reason);
    }
  };

  const chat = new AssistantClient({ token, language, baseUrl });
  chat.on("reply", onAgent);
  chat.on("error", (e) => {
    // a server without the desk: ask the AI in words, as the widget did before the desk existed
    if (e.code === "desk_unavailable" && desk.state.pending) { chat.send(L().ask_person); return; }
    add("notice", e.message || e.code || "error");
  });
  desk = attachDesk({ chat, log, add, lang: () => lang, voice: () => voiceSession, target, status, person: personBtn });
  await chat.open();
  // the AI notice, shown before the first AI turn (docs/privacy.md "Consent"): "I want a person" records the no
  // and hands over (the server then never gives these messages to the AI); unanswered, the AI may answer
  let aiConsent = "unanswered";
  aiNotice({ token, container: log, language: lang, baseUrl: baseUrl || "" }).ready
    .then((s) => { aiConsent = s; if (s === "withdrawn") personBtn.click(); }).catch(() => {});
  photo = attachPhoto({ chat, token, form, log, add, lang: () => lang, onReply: onAgent });

  const say = (text) => {
    const t = String(text || "").trim();
    if (!t) return;
    add("user", t);
    // With a person (or waiting for one) typed text goes on the conversation's socket, where the desk reads it.
    if (voiceSession && desk.state.status === "ai") voiceSession.say(t); else chat.send(t);
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); say(input.value); input.value = ""; });
  personBtn.addEventListener("click", () => {
    if (desk.state.status === "queued" || desk.state.status === "assigned") return; // already with the desk
    add("user", L().person);
    desk.asked();
    chat.human();
  });

  voiceBtn.addEventListener("click", async () => {
    if (voiceSession) { const v = voiceSession; voiceSession = null; relabel(); await v.stop(); return; }
    if (aiConsent === "withdrawn") { personBtn.click(); return; }  // no AI voice after a no to the AI
    try {
      const { startVoice } = await import("./voice.js");
      // the chat's session: text and voice stay one conversation (one desk conversation, one history), on
      // the session's node (chat.baseUrl: where room_elsewhere moved the chat)
      voiceSession = await startVoice({ token, language, baseUrl: chat.baseUrl, session: chat.sessionId });
      relabel();
      voiceSession.on("transcript", ({ text, final }) => {
        if (final === false) { partial = partial || add("user partial", ""); partial.textContent = text; return; }
        if (partial) { partial.remove(); partial = null; }
        add("user", text);
      });
      // a person's message the server speaks: desk-panel shows it from the desk's frame
      voiceSession.on("agent_text", (ev) => { if (ev.desk !== "agent_message") onAgent(ev); });
      const v = voiceSession;
      for (const kind of ["desk", "desk_status", "csat_request", "call_offer", "call"]) {
        // the chat socket brings the desk's frames of its own conversation; a voice conversation of its own
        // (no chat session to join) brings them here
        v.on(kind, (frame) => { if (v.conversationId && v.conversationId !== chat.sessionId) chat.emit(kind, frame); });
      }
      voiceSession.on("error", (e) => add("notice", e.message || e.code));
      voiceSession.on("state", (s) => { if (s === "closed") { voiceSession = null; relabel(); } });
    } catch (e) {
      voiceSession = null; relabel(); add("notice", String(e.message || e));
    }
  });
  relabel();

  return {
    element: root,
    say,
    sendPhoto: (file) => photo.send(file),
    async destroy() {
      chat.close();
      if (voiceSession) await voiceSession.stop();
      root.remove();
    },
  };
}
