"""assistant/desk-reader.js under node with a tiny fake DOM: a person's message is asked for in the shopper's
language with the shopper's token on the conversation's route; a translated answer replaces the text and adds
a toggle back to the original; same language or a failure leaves the message exactly as written."""

from __future__ import annotations

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

FAKE_DOM = """
class Node {
  constructor(tag) { this.tag = tag; this.children = []; this.dataset = {}; this.textContent = ""; this.listeners = {}; }
  append(...c) { this.children.push(...c); }
  addEventListener(ev, f) { this.listeners[ev] = f; }
  click() { this.listeners.click && this.listeners.click(); }
}
globalThis.document = { createElement: (tag) => new Node(tag) };
"""


def test_translated_replaces_the_text_with_a_toggle_and_same_language_does_not() -> None:
    got = run_module("assistant/desk-reader.js", """
      const calls = [];
      const answers = { 7: { seq: 7, text: "Your order is on its way", translated: true, src: "es", why: "translated" },
                        8: { seq: 8, text: "Hola", translated: false, why: "same_language" } };
      const fetchImpl = async (url, init) => {
        calls.push({ url, auth: init.headers.Authorization, body: JSON.parse(init.body) });
        const { seqs } = JSON.parse(init.body);
        return { ok: true, json: async () => ({ translations: seqs.map((s) => answers[s]), missing: [] }) };
      };
      const chat = { sessionId: "sess 1", token: "tok", baseUrl: "http://x" };
      let lang = "en";
      const show = m.deskReader({ chat, lang: () => lang, fetchImpl });
      const msg = document.createElement("div"), body = document.createElement("span");
      body.textContent = "Su pedido está en camino";
      const r = await show(msg, body, 7, "Su pedido está en camino");
      const afterTranslate = [body.textContent, msg.dataset.view, msg.children.length];
      msg.children[0].click();
      const afterToggle = [body.textContent, msg.dataset.view];
      const msg2 = document.createElement("div"), body2 = document.createElement("span");
      body2.textContent = "Hola";
      const same = await show(msg2, body2, 8, "Hola");
      const none = await show(msg2, body2, undefined, "Hola");
      const failing = m.deskReader({ chat, lang: () => lang, fetchImpl: async () => ({ ok: false, status: 503 }) });
      const body3 = document.createElement("span"); body3.textContent = "Hola";
      const failed = await failing(document.createElement("div"), body3, 9, "Hola");
      return { calls, r, afterTranslate, afterToggle, same: [same.why, body2.textContent, msg2.children.length],
               none, failed: [failed.translated, body3.textContent] };""", before_import=FAKE_DOM)
    assert got["calls"][0] == {"url": "http://x/v1/desk/conversations/sess%201/translations", "auth": "Bearer tok",
                               "body": {"to": "en", "seqs": [7]}}
    assert got["afterTranslate"] == ["Your order is on its way", "translated", 1]
    assert got["afterToggle"] == ["Su pedido está en camino", "original"]
    assert got["same"] == ["same_language", "Hola", 0]
    assert got["none"] is None
    assert got["failed"] == [False, "Hola"]
