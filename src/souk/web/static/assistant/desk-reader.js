// A person's desk message in the shopper's language (docs/translation.md): the agent writes in theirs, the
// widget asks the server for the shopper's language (POST /v1/desk/conversations/{id}/translations, the
// shopper's own token) and shows the translation with the original one tap away. Same language, an
// unavailable pair or any failure: the message stays exactly as the person wrote it.
import { MessageTranslator } from "../pages/translate-ui.js";

export function deskReader({ chat, lang, fetchImpl = (...a) => globalThis.fetch(...a) }) {
  let translator = null;
  let session = null;

  const fetchBatch = async (seqs, to) => {
    const url = `${chat.baseUrl || ""}/v1/desk/conversations/${encodeURIComponent(session)}/translations`;
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${chat.token}` },
      body: JSON.stringify({ to, seqs }),
    });
    if (!res.ok) throw new Error(`translations answered ${res.status}`);
    return res.json();
  };

  // ``msgEl`` holds the message, ``bodyEl`` its text; resolves to the result (or null when not asked).
  return async function show(msgEl, bodyEl, seq, original) {
    if (!Number.isInteger(seq) || !chat.sessionId) return null;
    if (!translator || session !== chat.sessionId) {
      session = chat.sessionId;
      translator = new MessageTranslator({ fetchBatch, lang: lang() });
    }
    translator.lang = lang();
    const result = await translator.get(seq);
    if (!result.translated) return result;
    bodyEl.textContent = result.text;
    msgEl.dataset.view = "translated";
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "souk-tr";
    btn.textContent = "🌐";
    btn.title = `translated from ${result.src}: tap for the original`;
    btn.addEventListener("click", () => {
      const translated = msgEl.dataset.view !== "translated";
      bodyEl.textContent = translated ? result.text : original;
      msgEl.dataset.view = translated ? "translated" : "original";
    });
    msgEl.append(btn);
    return result;
  };
}
