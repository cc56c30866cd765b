// What the staff pages (the desk, its metrics, the ops page, the console) share: the staff token and the
// links between them.

// The staff token from ?token= or #token=; in demo mode, the demo seller's. `hint` is the error without one.
export async function staffToken(hint = "open this page with ?token=<staff token>") {
  const q = new URLSearchParams(window.location.search).get("token");
  const h = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (q || h) return q || h;
  const res = await fetch("/v1/demo/tokens", { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ as: "seller" }) });
  if (!res.ok) throw new Error(hint);
  return (await res.json()).token;
}

// Links to the other staff pages ([data-staff-link]) carry the token in their fragment.
export function linkStaffPages(token) {
  for (const a of document.querySelectorAll("[data-staff-link]")) {
    a.href = `${a.getAttribute("href")}#token=${encodeURIComponent(token)}`;
  }
}
