// Messages in the reader's language (docs/translation.md): a toggle on each message (translated <-> original,
// the original always one tap away) and an auto mode that shows every message translated as it arrives.
// The server reads the messages itself (by seq) and answers each one translated or as written with the reason;
// nothing here can fail a message: on any error the original stays.

export const LANGUAGES = [
  ["en", "English"], ["es", "Español"], ["zh", "中文"], ["ar", "العربية"], ["id", "Bahasa Indonesia"],
  ["pt", "Português"], ["fr", "Français"],
];
const KEY = "souk.translate";
export const AUTO_DELAY_MS = 400;

// The reader's choice kept in localStorage, else the browser's language.
export function readerPrefs(store = globalThis.localStorage, nav = globalThis.navigator) {
  let saved = {};
  try { saved = JSON.parse((store && store.getItem(KEY)) || "{}") || {}; } catch { saved = {}; }
  const browser = ((nav && nav.language) || "en").slice(0, 2).toLowerCase();
  const known = LANGUAGES.some(([code]) => code === saved.lang) ? saved.lang : null;
  return { lang: known || (LANGUAGES.some(([code]) => code === browser) ? browser : "en"), auto: !!saved.auto };
}

export function savePrefs(prefs, store = globalThis.localStorage) {
  try { store && store.setItem(KEY, JSON.stringify({ lang: prefs.lang, auto: !!prefs.auto })); } catch { /* private mode */ }
}

// Batches the reader's requests: every seq asked within ``delayMs`` goes in one call of ``fetchBatch(seqs, lang)``
// (at most ``maxBatch`` a call), and each answer is kept per language.
export class MessageTranslator {
  constructor({ fetchBatch, lang = "en", delayMs = 40, maxBatch = 50 }) {
    this.fetchBatch = fetchBatch;
    this.lang = lang;
    this.delayMs = delayMs;
    this.maxBatch = maxBatch;
    this.results = new Map(); // `${lang}:${seq}` -> result
    this.waiting = new Map(); // `${lang}:${seq}` -> [resolve]
    this.queue = [];
    this.timer = null;
    this.calls = 0;
  }

  get(seq, lang = this.lang) {
    const key = `${lang}:${seq}`;
    if (this.results.has(key)) return Promise.resolve(this.results.get(key));
    return new Promise((resolve) => {
      const list = this.waiting.get(key);
      if (list) { list.push(resolve); return; }
      this.waiting.set(key, [resolve]);
      this.queue.push({ seq, lang });
      if (!this.timer) this.timer = setTimeout(() => this.flush(), this.delayMs);
    });
  }

  async flush() {
    this.timer = null;
    const todo = this.queue.splice(0);
    const byLang = new Map();
    for (const { seq, lang } of todo) {
      if (!byLang.has(lang)) byLang.set(lang, []);
      byLang.get(lang).push(seq);
    }
    for (const [lang, seqs] of byLang) {
      for (let i = 0; i < seqs.length; i += this.maxBatch) {
        const chunk = seqs.slice(i, i + this.maxBatch);
        let answer = { translations: [], missing: chunk };
        this.calls += 1;
        try { answer = await this.fetchBatch(chunk, lang); } catch (e) { answer = { translations: [], missing: chunk, error: e }; }
        const got = new Map((answer.translations || []).map((t) => [t.seq, t]));
        for (const seq of chunk) {
          const key = `${lang}:${seq}`;
          const result = got.get(seq) || { seq, translated: false, why: answer.error ? "error" : "missing" };
          if (got.has(seq)) this.results.set(key, result);
          for (const resolve of this.waiting.get(key) || []) resolve(result);
          this.waiting.delete(key);
        }
      }
    }
  }
}

function note(result) {
  if (result.translated) return `translated from ${result.src}`;
  if (result.why === "same_language") return "";
  return `no translation (${(result.why || "error").replace(/_/g, " ")})`;
}

// One message's toggle. ``bodyEl`` shows the text; the original is kept in ``original``.
export function mountToggle(li, bodyEl, seq, original, translator) {
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "tr-toggle";
  btn.textContent = "Translate";
  btn.title = "Show this message in your language";
  const hint = document.createElement("span");
  hint.className = "tr-note";
  li.append(btn, hint);
  li.dataset.view = "original";
  const show = async (translated) => {
    if (!translated) {
      bodyEl.textContent = original;
      hint.textContent = "";
      btn.textContent = "Translate";
      li.dataset.view = "original";
      return;
    }
    btn.disabled = true;
    const result = await translator.get(seq);
    btn.disabled = false;
    bodyEl.textContent = result.translated ? result.text : original;
    hint.textContent = note(result);
    btn.textContent = "Original";
    li.dataset.view = result.translated ? "translated" : "untranslated";
  };
  btn.addEventListener("click", () => show(li.dataset.view === "original"));
  return { show };
}

// The chat panel's controls: the reader's language and the auto mode; ``onChange(prefs)`` after each change.
export function mountControls(container, prefs, onChange) {
  const wrap = document.createElement("div");
  wrap.className = "tr-controls";
  const select = document.createElement("select");
  select.id = "tr-lang";
  select.setAttribute("aria-label", "Read messages in");
  for (const [code, label] of LANGUAGES) {
    const opt = document.createElement("option");
    opt.value = code;
    opt.textContent = label;
    select.append(opt);
  }
  select.value = prefs.lang;
  const auto = document.createElement("input");
  auto.type = "checkbox";
  auto.id = "tr-auto";
  auto.checked = prefs.auto;
  const label = document.createElement("label");
  label.htmlFor = "tr-auto";
  label.textContent = "Translate all";
  wrap.append(select, auto, label);
  container.append(wrap);
  const changed = () => { prefs.lang = select.value; prefs.auto = auto.checked; savePrefs(prefs); onChange(prefs); };
  select.addEventListener("change", changed);
  auto.addEventListener("change", changed);
  return wrap;
}

// Wires a message list: ``add(li, bodyEl, seq, text)`` for each chat message, controls in ``controlsEl``.
export function chatTranslation({ controlsEl, fetchBatch }) {
  const prefs = readerPrefs();
  // auto mode on a busy chat: one request per 0.4 s at most (the server limits readers, docs/limits.md)
  const translator = new MessageTranslator({ fetchBatch, lang: prefs.lang, delayMs: prefs.auto ? AUTO_DELAY_MS : 40 });
  const toggles = [];
  mountControls(controlsEl, prefs, (p) => {
    translator.lang = p.lang;
    translator.delayMs = p.auto ? AUTO_DELAY_MS : 40;
    for (const t of toggles) t.show(p.auto);
  });
  return {
    prefs,
    translator,
    add(li, bodyEl, seq, original) {
      const t = mountToggle(li, bodyEl, seq, original, translator);
      toggles.push(t);
      if (toggles.length > 500) toggles.shift();
      if (prefs.auto) t.show(true);
      return t;
    },
  };
}
