// The replay page: the show's main video, chapters (click seeks; add to cart), chat replayed at its moments.
// Chat text goes through textContent (inert). The video is fetched with the token (a blob URL) since a
// <video src> cannot send the Authorization header.
import { $, explain, notice, pageToken, rest } from "./live-common.js";
import { timedCaptions } from "./captions.js";

const root = $("replay");
const id = root.dataset.recording;

function chapterItem(token, ch, video) {
  const li = document.createElement("li");
  li.dataset.chapter = ch.sku;
  const go = document.createElement("button");
  go.className = "seek";
  go.textContent = `${Math.floor(ch.at_s / 60)}:${String(Math.floor(ch.at_s % 60)).padStart(2, "0")} ${ch.card?.name ?? ch.sku}`;
  if (ch.group_buy) { // a group buy: its tier unlocks and its end, each seekable
    go.textContent += ` · group buy from ${ch.group_buy.currency} ${ch.group_buy.price}`;
    for (const mo of ch.group_buy.moments) {
      const b = document.createElement("button");
      b.className = "seek moment";
      b.textContent = mo.kind === "tier" ? `${mo.buyers} joined: ${mo.price}` : `closed at ${mo.buyers}: ${mo.price}`;
      b.addEventListener("click", () => { video.currentTime = mo.at_s; video.play(); });
      li.append(b);
    }
  }
  go.addEventListener("click", () => { video.currentTime = ch.at_s; video.play(); });
  const add = document.createElement("button");
  add.className = "add";
  add.textContent = "Add to cart";
  add.addEventListener("click", async () => {
    try {
      await rest("POST", `/v1/replays/${encodeURIComponent(id)}/cart`, token, { sku: ch.sku, qty: 1 });
      $("cart-status").textContent = `${ch.card?.name ?? ch.sku} added`;
    } catch (err) { notice(explain(err)); }
  });
  li.append(go, add);
  return li;
}

async function main() {
  const token = await pageToken("viewer");
  const rep = await rest("GET", `/v1/replays/${encodeURIComponent(id)}`, token);
  $("replay-title").textContent = rep.title || "Replay";
  $("replay-status").textContent = rep.status;
  const video = $("replay-video");
  const list = $("chapters");
  for (const ch of rep.chapters) list.append(chapterItem(token, ch, video));
  if (!rep.video_url) { notice(`This recording is ${rep.status}${rep.reason ? `: ${rep.reason}` : ""}.`); return; }
  const res = await fetch(rep.video_url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) { notice("The video could not be loaded."); return; }
  video.src = URL.createObjectURL(await res.blob());
  const captions = timedCaptions({ controls: $("caption-controls"), screen: $("replay-screen"), video,
    load: async (lang) => (await rest("GET", `/v1/replays/${encodeURIComponent(id)}/captions?lang=${lang}`, token)).captions });
  const chat = rep.chat.slice();
  let shown = 0;
  video.addEventListener("timeupdate", () => {
    const box = $("replay-chat");
    if (video.currentTime < (chat[shown - 1]?.at_s ?? 0)) { box.textContent = ""; shown = 0; } // seeked back
    while (shown < chat.length && chat[shown].at_s <= video.currentTime) {
      const m = chat[shown++];
      const li = document.createElement("li");
      li.textContent = `${m.name || m.sender}: ${m.text}`;
      box.append(li);
    }
  });
  await video.play().catch(() => notice("Press play to watch the replay."));
  window.soukReplay = { ready: true, replay: rep, captions };
}

main().catch((err) => notice(explain(err)));
