// Live captions on the viewer's side (docs/translation.md "Live captions"): a language picker, the caption
// line over the video, and the server told which language this viewer reads (repeated while watching, so a
// language nobody reads any more stops costing translations). Captions arrive on the room's channel as
// system messages {type: "caption", seq, start_ms, end_ms, final, lang, text, src, translated}: one per
// language; this viewer shows the ones in its language. Text goes through textContent (inert).
// The replay page uses timedCaptions() with the stored finals at their times.

export const CAPTION_LANGUAGES = [
  ["", "Captions off"], ["en", "English"], ["es", "Español"], ["pt", "Português"], ["fr", "Français"],
  ["ca", "Català"], ["zh", "中文"], ["ar", "العربية"], ["id", "Bahasa Indonesia"],
];
const STALE_MS = 15000; // a caption older than this (history on join) is not shown
const KEEP = 2; // caption lines on screen

function picker(container, onPick, initial = "") {
  const label = document.createElement("label");
  label.textContent = "Captions ";
  const select = document.createElement("select");
  select.id = "caption-lang";
  select.setAttribute("aria-label", "caption language");
  for (const [code, name] of CAPTION_LANGUAGES) {
    const o = document.createElement("option");
    o.value = code;
    o.textContent = name;
    select.append(o);
  }
  select.value = initial;
  select.addEventListener("change", () => onPick(select.value));
  label.append(select);
  container.append(label);
  return select;
}

function overlay(screen) {
  const box = document.createElement("div");
  box.id = "captions";
  box.className = "captions";
  box.setAttribute("aria-live", "polite");
  screen.append(box);
  return box;
}

function show(box, seq, textValue, { final = true, translated = false, lang = "" } = {}) {
  let line = box.querySelector(`[data-seq="${seq}"]`);
  if (!line) {
    line = document.createElement("p");
    line.dataset.seq = String(seq);
    box.append(line);
    const lines = [...box.children].sort((a, b) => Number(a.dataset.seq) - Number(b.dataset.seq));
    for (const old of lines.slice(0, Math.max(0, lines.length - KEEP))) old.remove();
  }
  line.textContent = textValue;
  line.dataset.final = String(final);
  line.dataset.lang = lang;
  line.classList.toggle("partial", !final);
  line.title = translated ? "" : "shown as spoken";
}

// mountCaptions({controls, screen, room, post}): post(path, body) is a REST call with the viewer's token.
export function mountCaptions({ controls, screen, room, post }) {
  const box = overlay(screen);
  const state = { lang: "", timer: null, ttl: 90, latest: new Map() };
  const base = `/v1/live/${encodeURIComponent(room)}/captions`;
  async function tell() {
    if (!state.lang) return;
    try {
      const r = await post(`${base}/language`, { lang: state.lang });
      state.ttl = r.ttl_s || state.ttl;
    } catch (e) { console.warn("souk: caption language not sent", e); }
  }
  function pick(lang) {
    state.lang = lang;
    box.textContent = "";
    state.latest.clear();
    clearInterval(state.timer);
    state.timer = null;
    box.classList.toggle("hidden", !lang);
    if (!lang) return;
    tell();
    state.timer = setInterval(tell, Math.max(5, state.ttl / 2) * 1000);
  }
  const select = picker(controls, pick);
  box.classList.add("hidden");
  return {
    select,
    pick: (lang) => { select.value = lang; pick(lang); },
    // a message of the room's channel (m.ts: seconds)
    onMessage(m) {
      const b = m.b;
      if (!state.lang || !b || b.type !== "caption" || b.lang !== state.lang) return;
      if (m.ts && Date.now() - m.ts * 1000 > STALE_MS) return;
      const prev = state.latest.get(b.seq);
      if (prev && prev.final && !b.final) return; // a late partial never replaces its final
      state.latest.set(b.seq, b);
      show(box, b.seq, b.text, { final: b.final, translated: b.translated || b.src === b.lang, lang: b.lang });
    },
    get lang() { return state.lang; },
    close() { clearInterval(state.timer); },
  };
}

// timedCaptions({controls, screen, load}): the replay's captions at their times; load(lang) -> [{seq, at_s,
// end_s, text, translated}] (GET /v1/replays/{id}/captions?lang=).
export function timedCaptions({ controls, screen, video, load }) {
  const box = overlay(screen);
  let items = [];
  async function pick(lang) {
    box.textContent = "";
    items = lang ? await load(lang) : [];
    box.classList.toggle("hidden", !lang);
    update();
  }
  function update() {
    const t = video.currentTime;
    const now = items.filter((c) => c.at_s <= t && t <= c.end_s + 2).slice(-KEEP);
    const want = new Set(now.map((c) => String(c.seq)));
    for (const line of [...box.children]) if (!want.has(line.dataset.seq)) line.remove();
    for (const c of now) show(box, c.seq, c.text, { translated: c.translated, lang: c.to || c.lang });
  }
  video.addEventListener("timeupdate", update);
  const select = picker(controls, (lang) => pick(lang).catch((e) => console.warn("souk: captions", e)));
  box.classList.add("hidden");
  return { select, pick: (lang) => { select.value = lang; return pick(lang); }, items: () => items };
}
