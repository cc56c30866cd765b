"""pages/translate-ui.js under node: the reader's saved language, and the translator's batching (one call for
messages asked together, per language, kept once answered; a failed call leaves the originals)."""

from __future__ import annotations

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node


def test_prefs_come_from_storage_else_the_browser() -> None:
    got = run_module("pages/translate-ui.js", """
      const store = { v: null, getItem() { return this.v; }, setItem(k, v) { this.v = v; } };
      const first = m.readerPrefs(store, { language: "es-MX" });
      m.savePrefs({ lang: "ar", auto: true }, store);
      const saved = m.readerPrefs(store, { language: "es-MX" });
      store.v = '{"lang": "xx"}';
      const unknown = m.readerPrefs(store, { language: "de-DE" });
      store.v = "{not json";
      const broken = m.readerPrefs(store, { language: "zh-CN" });
      return { first, saved, unknown, broken };""")
    assert got == {"first": {"lang": "es", "auto": False}, "saved": {"lang": "ar", "auto": True},
                   "unknown": {"lang": "en", "auto": False}, "broken": {"lang": "zh", "auto": False}}


def test_requests_are_batched_per_language_and_kept() -> None:
    got = run_module("pages/translate-ui.js", """
      const calls = [];
      const t = new m.MessageTranslator({ delayMs: 5, maxBatch: 2, fetchBatch: async (seqs, to) => {
        calls.push([to, seqs]);
        if (to === "ar") throw new Error("network");
        return { translations: seqs.filter((s) => s !== 3).map((s) => ({ seq: s, text: `${to}-${s}`, translated: true })),
                 missing: [3] };
      } });
      const first = await Promise.all([t.get(1), t.get(2), t.get(1), t.get(3), t.get(4, "es")]);
      const again = await t.get(2);
      const failed = await t.get(5, "ar");
      return { first, again, failed, calls };""")
    assert got["calls"] == [["en", [1, 2]], ["en", [3]], ["es", [4]], ["ar", [5]]]
    assert [r.get("text") for r in got["first"]] == ["en-1", "en-2", "en-1", None, "es-4"]
    assert got["first"][3] == {"seq": 3, "translated": False, "why": "missing"}
    assert got["again"]["text"] == "en-2"
    assert got["failed"] == {"seq": 5, "translated": False, "why": "error"}
