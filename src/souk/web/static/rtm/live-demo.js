// Live-room chat panel demo: chat list, danmaku over the video, likes (hearts) and gift animations.
// Open /static/rtm/live-demo.html?token=<access token>&ch=<room>  (token from POST /v1/tokens or `souk token`);
// without a token, a server in demo mode (`souk demo`) hands out a viewer token for the "live-demo" channel.
// Every message body is rendered with textContent: HTML or script in a body shows as text, never runs.
import { chat, text } from "/static/rtm/chat.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let token = params.get("token");
let channelName = params.get("ch") || params.get("room");
const GIFTS = { rose: "🌹", rocket: "🚀" };

function fakeVideo() { // a moving gradient stands in for the host's video when none is attached
  const c = $("fakeVideo"), g = c.getContext("2d");
  let t = 0;
  const draw = () => {
    t += 0.01;
    const grad = g.createLinearGradient(0, 0, c.width, c.height);
    grad.addColorStop(0, `hsl(${(t * 40) % 360}, 50%, 30%)`);
    grad.addColorStop(1, `hsl(${(t * 40 + 120) % 360}, 50%, 20%)`);
    g.fillStyle = grad; g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = "rgba(255,255,255,.8)"; g.font = "28px system-ui"; g.fillText("LIVE", 24, c.height - 24);
    requestAnimationFrame(draw);
  };
  draw();
}

let lane = 0;
function flyDanmaku(m) {
  const el = document.createElement("div");
  el.className = "bullet";
  text(el, m.b);
  el.style.top = `${8 + (lane++ % 8) * 10}%`;
  el.style.animationDuration = `${6 + Math.random() * 3}s`;
  el.addEventListener("animationend", () => el.remove());
  $("danmaku").append(el);
}

function hearts(n) {
  for (let i = 0; i < Math.min(n, 20); i++) {
    const el = document.createElement("div");
    el.className = "heart"; el.textContent = "❤";
    el.style.setProperty("--dx", `${Math.round(Math.random() * 120 - 60)}px`);
    el.style.animationDelay = `${i * 60}ms`;
    el.addEventListener("animationend", () => el.remove());
    $("hearts").append(el);
  }
}

function showGift(m) {
  const el = document.createElement("div");
  el.className = "gift";
  const gift = m.b && typeof m.b.gift === "string" ? m.b.gift : "gift";
  text(el, `${GIFTS[gift] || "🎁"} ${m.name || m.from} sent ${gift}`);
  el.addEventListener("animationend", () => el.remove());
  $("giftShow").append(el);
}

function addLine(m) {
  const li = document.createElement("li");
  li.dataset.seq = m.seq;
  if (m.k === "system") {
    li.className = "system";
    const b = m.b || {};
    if (b.action === "delete") { document.querySelector(`li[data-seq="${Number(b.seq)}"]`)?.remove(); }
    text(li, b.action ? `${b.action}${b.user ? " " + b.user : ""}${b.seconds ? " " + b.seconds + " s" : ""}` : m.b);
  } else {
    const who = document.createElement("span");
    who.className = "who"; text(who, m.name || m.from);
    const body = document.createElement("span");
    text(body, m.k === "gift" ? `sent ${m.b && m.b.gift}` : m.b);
    li.append(who, body);
  }
  const list = $("messages");
  list.append(li);
  while (list.children.length > 300) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

async function main() {
  fakeVideo();
  if (!token) {
    const res = await fetch("/v1/demo/tokens", { method: "POST", headers: { "Content-Type": "application/json" },
                                                 body: JSON.stringify({ as: "viewer" }) });
    if (res.ok) ({ token, room: channelName } = await res.json());
  }
  if (!token || !channelName) {
    text($("error"), "Open this page with ?token=<access token>&ch=<room id>.");
    return;
  }
  const client = await chat({ token });
  text($("state"), client.state);
  client.on("state", (s) => text($("state"), s));
  client.on("error", (e) => text($("error"), `${e.code}: ${e.message}`));
  client.on("close", ({ code, reason }) => { if (reason.code) text($("error"), `disconnected: ${reason.code}`); });
  const room = await client.join(channelName, { history: 50 });
  room.on("message", (m) => {
    addLine(m);
    if (m.k === "danmaku" || m.k === "chat") flyDanmaku(m);
    if (m.k === "gift") showGift(m);
  });
  room.on("aggregate", (a) => {
    if (a.like) hearts(a.like);
    text($("likes"), String(room.likes)); text($("online"), String(room.online));
  });
  for (const m of room.messages) addLine(m);
  room.who().then((p) => { room.online = p.count; text($("online"), String(p.count)); }).catch(() => {});
  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = $("input").value.trim();
    if (!value) return;
    $("input").value = "";
    try { await room.danmaku(value); text($("error"), ""); } catch (e) { text($("error"), `${e.code}: ${e.message}`); }
  });
  $("like").addEventListener("click", () => { room.like(1); hearts(1); });
  for (const b of document.querySelectorAll(".gift")) {
    b.addEventListener("click", () => room.gift({ gift: b.dataset.gift }).catch((e) => text($("error"), `${e.code}: ${e.message}`)));
  }
  window.souk_chat = { client, room }; // for tests and the console
}

main().catch((e) => text($("error"), String(e && e.message ? e.message : e)));
