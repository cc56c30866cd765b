// Fresh TURN credentials for a client connected longer than they last (docs/turn.md). The welcome's
// ice_servers carry TURN usernames "<expiry unix s>:<merchant>:<identity>"; a little before the earliest
// expiry the client asks GET /v1/ice-servers with its token and replaces welcome.ice_servers, so the
// PeerConnections it opens later (a call hours after the console page opened, an ICE restart) get working
// credentials. A client that authenticated by message (no ?token= in its URL) is not refreshed: it gets
// new credentials with its next welcome.

const RETRY_MS = 30000;
const LEAD_S = 300; // refresh this long before the expiry (at most half the credentials' life)

// The earliest TURN expiry in ``servers`` (unix seconds), or Infinity when none expires.
export function iceExpiry(servers) {
  let min = Infinity;
  for (const s of servers || []) {
    const head = typeof s.username === "string" ? s.username.split(":")[0] : "";
    if (/^\d+$/.test(head)) min = Math.min(min, Number(head));
  }
  return min;
}

// The /v1/ice-servers URL and the token of a client's signaling URL (ws[s]://host/v1/signal?token=...).
export function iceRequest(signalUrl) {
  const ws = new URL(signalUrl);
  const token = ws.searchParams.get("token");
  const http = new URL("/v1/ice-servers", ws);
  http.protocol = ws.protocol === "wss:" ? "https:" : "http:";
  http.search = "";
  return { url: http.toString(), token };
}

// (Re)arm the client's refresh timer from its welcome. ``env`` is for tests: fetch, now (unix s), timers.
// Never throws: it runs inside the welcome handler, and a refresh that cannot be armed must not stop a call.
export function scheduleIceRefresh(client, env = {}) {
  try {
    return arm(client, env);
  } catch (err) {
    console.warn("souk: TURN credential refresh not armed", err);
    return null;
  }
}

function arm(client, env) {
  // window's timer functions must be called unbound (a method call on another object throws Illegal invocation)
  const e = {
    fetch: (...a) => fetch(...a), now: () => Date.now() / 1000,
    setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t), ...env,
  };
  e.clearTimeout(client._iceTimer);
  client._iceTimer = null;
  const expires = iceExpiry(client.welcome && client.welcome.ice_servers);
  if (!Number.isFinite(expires)) return null;
  const left = expires - e.now();
  const delayS = Math.max(1, left - Math.min(LEAD_S, left / 2));
  client._iceTimer = e.setTimeout(() => refreshIce(client, e), delayS * 1000);
  return delayS;
}

async function refreshIce(client, e) {
  if (client.closed || client.userClosed) return;
  const { url, token } = iceRequest(client.url);
  if (!token) return;
  try {
    const r = await e.fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (r.status === 401 || r.status === 403) return; // the token ended: the signaling socket ends too
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const body = await r.json();
    client.welcome.ice_servers = body.ice_servers;
    client.emit("ice_servers", body);
    arm(client, e);
  } catch {
    if (!client.closed) client._iceTimer = e.setTimeout(() => refreshIce(client, e), RETRY_MS);
  }
}
