// The desk's messages in the agent's language (docs/translation.md): a toggle on each message and note of the
// open conversation, an auto mode, the language kept in localStorage. One translator per conversation (the
// seqs are the conversation's), through POST /v1/desk/conversations/{id}/translations.
import { AUTO_DELAY_MS, MessageTranslator, mountControls, mountToggle, readerPrefs } from "./translate-ui.js";

const TEXT_KINDS = new Set(["shopper_message", "ai_message", "agent_message", "internal_note"]);

export function deskTranslation({ controlsEl, rest, onChange }) {
  const prefs = readerPrefs();
  const byConv = new Map();
  if (controlsEl) mountControls(controlsEl, prefs, () => onChange(prefs));

  function translator(id) {
    let t = byConv.get(id);
    if (!t) {
      t = new MessageTranslator({
        lang: prefs.lang,
        fetchBatch: (seqs, to) => rest("POST", `/v1/desk/conversations/${encodeURIComponent(id)}/translations`, { to, seqs }),
      });
      byConv.set(id, t);
      if (byConv.size > 50) byConv.delete(byConv.keys().next().value);
    }
    t.lang = prefs.lang;
    t.delayMs = prefs.auto ? AUTO_DELAY_MS : 40;
    return t;
  }

  // After the timeline is drawn: a toggle on each text event.
  function decorate(timelineEl, id, events) {
    const t = translator(id);
    for (const e of events) {
      if (!TEXT_KINDS.has(e.kind)) continue;
      const li = timelineEl.querySelector(`li[data-seq="${e.seq}"]`);
      const body = li && li.querySelector(".ev-text");
      if (!body) continue;
      const toggle = mountToggle(li, body, e.seq, e.text, t);
      if (prefs.auto) toggle.show(true);
    }
  }

  return { prefs, decorate };
}
